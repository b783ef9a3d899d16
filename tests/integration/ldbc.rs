//! The LDBC Graphalytics validation suite, through the library and with a broken output to
//! show the validator rejects wrong answers.

use ember::algo::{Common, Engine};
use ember::graphalytics;

use crate::helpers::data;

#[test]
fn all_ldbc_validation_cases_pass() {
    let dirs = graphalytics::graph_dirs(&data().join("ldbc")).unwrap();
    assert_eq!(dirs.len(), 14);
    let out = tempfile::tempdir().unwrap();
    let mut n = 0;
    for d in dirs {
        // The kernels (default engine) and the Pregel programs on three partitionings.
        for (p, strategy, engine) in [
            (0, "dbh", Engine::Auto),
            (1, "dbh", Engine::Pregel),
            (3, "2d", Engine::Pregel),
            (4, "random", Engine::Pregel),
        ] {
            let common = Common {
                partitions: p,
                strategy: ember::Strategy::parse(strategy).unwrap(),
                engine,
                ..Default::default()
            };
            for c in graphalytics::run_graph(&d, out.path(), true, &common).unwrap() {
                assert_eq!(
                    c.validation,
                    Some(Ok(())),
                    "{} {} with {p} partitions ({strategy}, {engine:?})",
                    c.graph,
                    c.algorithm
                );
                n += 1;
            }
        }
    }
    assert_eq!(n, 24 * 4);
}

#[test]
fn validator_rejects_wrong_outputs() {
    let g = data().join("ldbc/example-directed");
    let out = tempfile::tempdir().unwrap();
    graphalytics::run_graph(&g, out.path(), false, &Common::default()).unwrap();
    let tweak = |alg: &str, f: &dyn Fn(&str) -> String| {
        let p = out.path().join(format!("example-directed-{alg}"));
        let text = std::fs::read_to_string(&p).unwrap();
        let bad = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(bad.path(), f(&text)).unwrap();
        let rule = graphalytics::ldbc_algorithm(&alg.to_lowercase()).unwrap().rule;
        graphalytics::compare(rule, &g.join(format!("example-directed-{alg}")), bad.path())
    };
    // BFS: one hop count off by one (vertex 1 is the source, at 0 hops).
    let e = tweak("BFS", &|t| t.replacen("1 0\n", "1 1\n", 1)).unwrap_err();
    assert!(e.contains("differ"), "{e}");
    // PR: a 1e-3 relative error is beyond the 1e-4 rule.
    let e = tweak("PR", &|t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        let (v, x) = lines[0].split_once(' ').unwrap();
        lines[0] = format!("{v} {}", x.parse::<f64>().unwrap() * 1.001);
        lines.join("\n")
    })
    .unwrap_err();
    assert!(e.contains("1 of 10 vertices differ"), "{e}");
    // WCC: relabelling every vertex is fine; splitting one vertex off its component is not.
    assert!(tweak("WCC", &|t| t.replace(" 1\n", " 100\n")).is_ok());
    let e = tweak("WCC", &|t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        let v = lines[0].split(' ').next().unwrap().to_string();
        lines[0] = format!("{v} 999");
        lines.join("\n")
    })
    .unwrap_err();
    assert!(e.contains("does not match the expected partition"), "{e}");
    // A missing vertex.
    let e = tweak("CDLP", &|t| t.lines().skip(1).collect::<Vec<_>>().join("\n")).unwrap_err();
    assert!(e.contains("missing"), "{e}");
}
