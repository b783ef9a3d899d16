//! The graph view: a force-directed drawing of a graph cell's sample (at most 150 vertices
//! around the top results), coloured by the result: a palette for classes (components,
//! communities), a gradient for magnitudes (rank, degree). The layout was computed by the
//! runner with the sample ([`crate::layout`]): drawing is all the UI does.

use egui::{Color32, Sense, Stroke, Ui, Vec2};

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
    color_at(t)
}

/// The gradient for magnitudes, from blue (0) to orange (1).
fn color_at(t: f32) -> Color32 {
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
    // The canvas takes the cell's width (it stopped at 700 px on wide windows).
    let width = ui.available_width().max(200.0);
    let (rect, resp) = ui.allocate_exact_size(Vec2::new(width, (width * 0.5).clamp(360.0, 640.0)), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
    let inner = rect.shrink(12.0);
    // The layout's bounding box, scaled by one factor to fill the canvas and centred in it
    // (the unit square stretched to a wide canvas distorted the drawing and left it off-centre).
    let (min, max) =
        layout.iter().take(n).fold((Vec2::splat(f32::MAX), Vec2::splat(f32::MIN)), |(a, b), p| (a.min(*p), b.max(*p)));
    let span = (max - min).max(Vec2::splat(1e-6));
    let scale = (inner.width() / span.x).min(inner.height() / span.y);
    let offset = inner.center().to_vec2() - (min + span / 2.0) * scale;
    let at = |p: Vec2| (p * scale + offset).to_pos2();
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
    legend(ui, s, lo, hi);
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

/// What the colours mean: the gradient's two ends with their values, or the palette of classes.
fn legend(ui: &mut Ui, s: &GraphSample, lo: f64, hi: f64) {
    ui.horizontal_wrapped(|ui| {
        let swatch = |ui: &mut Ui, c: Color32| {
            let (r, _) = ui.allocate_exact_size(Vec2::splat(10.0), Sense::hover());
            ui.painter().circle_filled(r.center(), 5.0, c);
        };
        if s.categorical {
            let classes: std::collections::BTreeSet<u64> = s.values.iter().map(|v| *v as u64).collect();
            ui.label(egui::RichText::new("colour: one per class").small());
            for &c in PALETTE.iter().take(classes.len()) {
                swatch(ui, c);
            }
            let more = if classes.len() > PALETTE.len() { "; the palette repeats after 8" } else { "" };
            ui.label(egui::RichText::new(format!("({} classes shown{more})", classes.len())).small());
        } else if hi > lo {
            ui.label(egui::RichText::new("colour and size: low").small());
            swatch(ui, color_at(0.0));
            ui.label(egui::RichText::new(format!("{lo:.4}")).small());
            ui.label(egui::RichText::new("to high").small());
            swatch(ui, color_at(1.0));
            ui.label(egui::RichText::new(format!("{hi:.4}")).small());
        }
    });
}
