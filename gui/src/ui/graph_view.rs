//! The graph view: a force-directed drawing of a graph cell's sample (at most 150 vertices
//! around the top results), coloured by the result: a palette for classes (components,
//! communities), a gradient for magnitudes (rank, degree). The layout was computed by the
//! runner with the sample ([`crate::layout`]): drawing is all the UI does.

use egui::{Color32, Pos2, Sense, Stroke, Ui, Vec2};

use crate::app::NotebookApp;
use crate::runner::GraphSample;

const PALETTE: [Color32; 8] = [
    Color32::from_rgb(31, 119, 180),
    Color32::from_rgb(255, 127, 14),
    Color32::from_rgb(44, 160, 44),
    Color32::from_rgb(214, 39, 40),
    Color32::from_rgb(148, 103, 189),
    Color32::from_rgb(140, 86, 75),
    Color32::from_rgb(227, 119, 194),
    Color32::from_rgb(23, 190, 207),
];

fn color(s: &GraphSample, i: usize, lo: f64, hi: f64) -> Color32 {
    let v = s.values[i];
    if s.categorical {
        return PALETTE[(v as usize) % PALETTE.len()];
    }
    let t = if hi > lo && v.is_finite() { ((v - lo) / (hi - lo)) as f32 } else { 0.5 };
    let a = Color32::from_rgb(70, 110, 200);
    let b = Color32::from_rgb(230, 80, 40);
    Color32::from_rgb(
        (a.r() as f32 + t * (b.r() as f32 - a.r() as f32)) as u8,
        (a.g() as f32 + t * (b.g() as f32 - a.g() as f32)) as u8,
        (a.b() as f32 + t * (b.b() as f32 - a.b() as f32)) as u8,
    )
}

pub fn graph_ui(app: &mut NotebookApp, ui: &mut Ui, id: u64) {
    let st = app.state(id);
    let Some(Ok(r)) = st.result.as_ref() else { return };
    let Some(s) = r.sample.as_ref() else {
        ui.label("this result has no per-vertex value to draw");
        return;
    };
    let n = s.labels.len().min(s.positions.len());
    let layout: Vec<Vec2> = s.positions.iter().map(|p| Vec2::new(p[0], p[1])).collect();
    ui.label(egui::RichText::new(format!("Showing {}", s.note)).small());
    let (rect, resp) = ui.allocate_exact_size(Vec2::new(ui.available_width().min(700.0), 360.0), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
    let inner = rect.shrink(12.0);
    let at = |p: Vec2| Pos2::new(inner.min.x + p.x * inner.width(), inner.min.y + p.y * inner.height());
    let edge_color = ui.visuals().weak_text_color().gamma_multiply(0.6);
    for &(a, b) in s.edges.iter().filter(|(a, b)| (*a as usize) < n && (*b as usize) < n) {
        painter.line_segment([at(layout[a as usize]), at(layout[b as usize])], Stroke::new(1.0, edge_color));
    }
    let (lo, hi) =
        s.values.iter().filter(|v| v.is_finite()).fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let mut hovered = None;
    for (i, &pos) in layout.iter().enumerate().take(n) {
        let p = at(pos);
        let radius = if s.categorical || hi <= lo { 5.0 } else { 4.0 + 6.0 * ((s.values[i] - lo) / (hi - lo)) as f32 };
        painter.circle(p, radius, color(s, i, lo, hi), Stroke::new(1.0, Color32::BLACK));
        if resp.hover_pos().is_some_and(|h| h.distance(p) <= radius + 2.0) {
            hovered = Some(i);
        }
    }
    if let Some(i) = hovered {
        let text = format!("vertex {}: {}", s.labels[i], s.values[i]);
        painter.text(
            at(layout[i]) + Vec2::new(8.0, -8.0),
            egui::Align2::LEFT_BOTTOM,
            text,
            egui::FontId::proportional(13.0),
            ui.visuals().strong_text_color(),
        );
    }
}
