//! The graph view: a force-directed drawing of a graph cell's sample (at most 150 vertices
//! around the top results), coloured by the result: a palette for classes (components,
//! communities), a gradient for magnitudes (rank, degree). The layout advances a few steps per
//! frame until it settles, so the UI never stalls.

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

/// Total layout iterations; each frame runs a few.
const LAYOUT_STEPS: u32 = 300;

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

/// One Fruchterman-Reingold step on the unit square.
fn layout_step(pos: &mut [Vec2], edges: &[(u32, u32)], temp: f32) {
    let n = pos.len();
    if n < 2 {
        return;
    }
    // Ideal edge length; 0.5 keeps the drawing off the border for small samples.
    let k = 0.5 * (1.0 / n as f32).sqrt();
    let mut disp = vec![Vec2::ZERO; n];
    for i in 0..n {
        for j in (i + 1)..n {
            let d = pos[i] - pos[j];
            let dist = d.length().max(1e-3);
            let f = d / dist * (k * k / dist);
            disp[i] += f;
            disp[j] -= f;
        }
    }
    for &(a, b) in edges {
        let (a, b) = (a as usize, b as usize);
        let d = pos[a] - pos[b];
        let dist = d.length().max(1e-3);
        let f = d / dist * (dist * dist / k);
        disp[a] -= f;
        disp[b] += f;
    }
    for (p, d) in pos.iter_mut().zip(disp) {
        let len = d.length().max(1e-6);
        *p += d / len * len.min(temp);
        p.x = p.x.clamp(0.02, 0.98);
        p.y = p.y.clamp(0.02, 0.98);
    }
}

pub fn graph_ui(app: &mut NotebookApp, ui: &mut Ui, id: u64) {
    let st = app.state(id);
    let Some(Ok(r)) = st.result.as_ref() else { return };
    let Some(s) = r.sample.clone() else {
        ui.label("this result has no per-vertex value to draw");
        return;
    };
    let n = s.labels.len();
    if st.layout.len() != n {
        // Deterministic start: points on a circle.
        st.layout = (0..n)
            .map(|i| {
                let a = i as f32 / n.max(1) as f32 * std::f32::consts::TAU;
                Vec2::new(0.5 + 0.4 * a.cos(), 0.5 + 0.4 * a.sin())
            })
            .collect();
        st.layout_steps = 0;
    }
    if st.layout_steps < LAYOUT_STEPS {
        for _ in 0..10 {
            let temp = 0.05 * (1.0 - st.layout_steps as f32 / LAYOUT_STEPS as f32) + 0.002;
            layout_step(&mut st.layout, &s.edges, temp);
            st.layout_steps += 1;
        }
        ui.ctx().request_repaint();
    }
    ui.label(egui::RichText::new(format!("Showing {}", s.note)).small());
    let (rect, resp) = ui.allocate_exact_size(Vec2::new(ui.available_width().min(700.0), 360.0), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
    let inner = rect.shrink(12.0);
    let at = |p: Vec2| Pos2::new(inner.min.x + p.x * inner.width(), inner.min.y + p.y * inner.height());
    let edge_color = ui.visuals().weak_text_color().gamma_multiply(0.6);
    for &(a, b) in &s.edges {
        painter.line_segment([at(st.layout[a as usize]), at(st.layout[b as usize])], Stroke::new(1.0, edge_color));
    }
    let (lo, hi) =
        s.values.iter().filter(|v| v.is_finite()).fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let mut hovered = None;
    for i in 0..n {
        let p = at(st.layout[i]);
        let radius = if s.categorical || hi <= lo { 5.0 } else { 4.0 + 6.0 * ((s.values[i] - lo) / (hi - lo)) as f32 };
        painter.circle(p, radius, color(&s, i, lo, hi), Stroke::new(1.0, Color32::BLACK));
        if resp.hover_pos().is_some_and(|h| h.distance(p) <= radius + 2.0) {
            hovered = Some(i);
        }
    }
    if let Some(i) = hovered {
        let text = format!("vertex {}: {}", s.labels[i], s.values[i]);
        painter.text(
            at(st.layout[i]) + Vec2::new(8.0, -8.0),
            egui::Align2::LEFT_BOTTOM,
            text,
            egui::FontId::proportional(13.0),
            ui.visuals().strong_text_color(),
        );
    }
}
