//! A result as CSV text for the clipboard (Copy as CSV), formatted on a runner worker. No egui.

use ember::datafusion::arrow::array::{Array, RecordBatch};
use ember::datafusion::arrow::util::display::array_value_to_string;

/// The result as CSV text, rows in `order` (runs on a worker: see
/// [`crate::runner::Runner::copy_csv`]).
pub fn to_csv(t: &RecordBatch, order: Option<&[u32]>) -> String {
    let quote = |s: String| if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s };
    let mut out = t.schema().fields().iter().map(|f| quote(f.name().clone())).collect::<Vec<_>>().join(",");
    out.push('\n');
    for i in 0..t.num_rows() {
        let r = order.map_or(i, |o| o[i] as usize);
        let row: Vec<String> = t
            .columns()
            .iter()
            .map(|c| {
                if c.is_null(r) {
                    String::new()
                } else {
                    quote(array_value_to_string(c.as_ref(), r).unwrap_or_default())
                }
            })
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}
