//! Force-directed layout of a graph sample (Fruchterman-Reingold on the unit square), computed
//! on a worker when the sample is taken, so drawing it costs the UI nothing. Deterministic: the
//! same sample gives the same positions. No egui here.
//!
//! For samples of large graphs (a dense neighbourhood of the top vertices) two changes to plain
//! FR keep the drawing readable: a pull towards the centre (so a vertex with no edge in the
//! sample stays near the rest instead of drifting to the border, which made the fitted view
//! shrink the cluster to a ball), and attraction divided by the endpoints' degrees in the sample
//! (so hubs do not pull everything into one knot: the LinLog idea of ForceAtlas2).

/// Layout iterations; the temperature falls linearly over them.
pub const STEPS: u32 = 300;

/// Positions in the unit square for `n` vertices joined by `edges` (indices below `n`).
pub fn force_layout(n: usize, edges: &[(u32, u32)]) -> Vec<[f32; 2]> {
    // Deterministic start: points on a circle.
    let mut pos: Vec<[f32; 2]> = (0..n)
        .map(|i| {
            let a = i as f32 / n.max(1) as f32 * std::f32::consts::TAU;
            [0.5 + 0.4 * a.cos(), 0.5 + 0.4 * a.sin()]
        })
        .collect();
    for s in 0..STEPS {
        let temp = 0.05 * (1.0 - s as f32 / STEPS as f32) + 0.002;
        step(&mut pos, edges, temp);
    }
    pos
}

fn sub(a: [f32; 2], b: [f32; 2]) -> [f32; 2] {
    [a[0] - b[0], a[1] - b[1]]
}

fn len(a: [f32; 2]) -> f32 {
    (a[0] * a[0] + a[1] * a[1]).sqrt()
}

/// Strength of the pull towards the centre.
const GRAVITY: f32 = 0.05;

/// One Fruchterman-Reingold step.
fn step(pos: &mut [[f32; 2]], edges: &[(u32, u32)], temp: f32) {
    let n = pos.len();
    if n < 2 {
        return;
    }
    // Ideal edge length; 0.5 keeps the drawing off the border for small samples.
    let k = 0.5 * (1.0 / n as f32).sqrt();
    // Degrees in the sample (at least 1), for the attraction.
    let mut degree = vec![1.0f32; n];
    for &(a, b) in edges {
        if (a as usize) < n && (b as usize) < n {
            degree[a as usize] += 1.0;
            degree[b as usize] += 1.0;
        }
    }
    let mut disp = vec![[0.0f32; 2]; n];
    for i in 0..n {
        for j in (i + 1)..n {
            let d = sub(pos[i], pos[j]);
            let dist = len(d).max(1e-3);
            let f = k * k / dist / dist;
            disp[i][0] += d[0] * f;
            disp[i][1] += d[1] * f;
            disp[j][0] -= d[0] * f;
            disp[j][1] -= d[1] * f;
        }
    }
    for &(a, b) in edges {
        let (a, b) = (a as usize, b as usize);
        if a >= n || b >= n {
            continue;
        }
        let d = sub(pos[a], pos[b]);
        let dist = len(d).max(1e-3);
        let f = dist / k / (degree[a] * degree[b]).sqrt();
        disp[a][0] -= d[0] * f;
        disp[a][1] -= d[1] * f;
        disp[b][0] += d[0] * f;
        disp[b][1] += d[1] * f;
    }
    // Gravity towards the centre, as strong as the repulsion of one vertex at the ideal length.
    for (p, d) in pos.iter().zip(disp.iter_mut()) {
        let c = sub([0.5, 0.5], *p);
        d[0] += c[0] * GRAVITY / k;
        d[1] += c[1] * GRAVITY / k;
    }
    for (p, d) in pos.iter_mut().zip(disp) {
        let l = len(d).max(1e-6);
        let m = l.min(temp) / l;
        p[0] = (p[0] + d[0] * m).clamp(0.02, 0.98);
        p[1] = (p[1] + d[1] * m).clamp(0.02, 0.98);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_in_the_square_and_separates_vertices() {
        let edges: Vec<(u32, u32)> = (0..19).map(|i| (i, i + 1)).collect();
        let p = force_layout(20, &edges);
        assert_eq!(p, force_layout(20, &edges));
        assert!(p.iter().all(|q| (0.02..=0.98).contains(&q[0]) && (0.02..=0.98).contains(&q[1])));
        let min = (0..20).flat_map(|i| (i + 1..20).map(move |j| (i, j))).map(|(i, j)| len(sub(p[i], p[j])));
        assert!(min.fold(f32::MAX, f32::min) > 1e-3);
        assert!(force_layout(0, &[]).is_empty() && force_layout(1, &[]).len() == 1);
    }
}
