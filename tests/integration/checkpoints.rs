//! Checkpoint and resume: a run stopped after a checkpoint and resumed gives exactly the result
//! of an uninterrupted run, and really starts from the checkpoint (its first reported superstep
//! is past it). Runs that cannot checkpoint refuse, and a checkpoint of another run is rejected.

use std::sync::{Arc, Mutex};

use ember::algo::{Common, Engine};
use ember::checkpoint::Checkpoint;
use ember::context::{RunContext, SuperstepStats};
use ember::job::{Algorithm, run};
use ember::load::{LoadSpec, load};

use crate::helpers::data;

fn common(engine: Engine, ctx: RunContext) -> Common {
    Common { engine, ctx, ..Default::default() }
}

/// An algorithm, its parameters and the engine it runs on.
type Case = (&'static str, &'static [(&'static str, &'static str)], Engine);

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    let g = load(&LoadSpec::new(data().join("email-Enron.txt.gz"))).unwrap();
    let weighted = load(&LoadSpec::new(data().join("p2p-Gnutella31-weighted.txt.gz"))).unwrap();
    let cases: [Case; 6] = [
        ("pagerank", &[("iterations", "12")], Engine::Kernel),
        ("pagerank", &[("iterations", "12")], Engine::Pregel),
        ("pagerank", &[("variant", "graphx"), ("tol", "0.0001")], Engine::Pregel),
        ("wcc", &[], Engine::Pregel),
        ("bfs", &[("source", "0")], Engine::Pregel),
        ("sssp", &[("source", "1")], Engine::Pregel),
    ];
    for (name, params, engine) in cases {
        let algo = Algorithm::new(name, params).unwrap();
        let g = if name == "sssp" { &weighted } else { &g };
        let reference = run(g, &algo, &common(engine, RunContext::default()), 0).unwrap();
        assert!(reference.supersteps >= 5, "{name}: {} supersteps are too few to test", reference.supersteps);
        let dir = tempfile::tempdir().unwrap();
        // First run: checkpoints every 2 supersteps, cancelled once superstep 3 is reported.
        let cancel = ember::context::CancelToken::new();
        let c2 = cancel.clone();
        let ctx = RunContext {
            cancel: cancel.clone(),
            observer: Some(Arc::new(move |s: &SuperstepStats| {
                if s.superstep >= 3 {
                    c2.cancel();
                }
            })),
            checkpoint: Some(Checkpoint::new(dir.path(), 2, false).unwrap()),
        };
        let e = run(g, &algo, &common(engine, ctx), 0).unwrap_err();
        assert!(matches!(e, ember::Error::Cancelled), "{name}: {e}");
        assert!(dir.path().join("checkpoint.ember").exists(), "{name}: no checkpoint written");
        // Resumed: starts past the checkpoint and ends where the uninterrupted run did.
        let seen: Arc<Mutex<Vec<u32>>> = Arc::default();
        let s2 = seen.clone();
        let ctx = RunContext {
            observer: Some(Arc::new(move |s: &SuperstepStats| s2.lock().unwrap().push(s.superstep))),
            checkpoint: Some(Checkpoint::new(dir.path(), 2, true).unwrap()),
            ..Default::default()
        };
        let resumed = run(g, &algo, &common(engine, ctx), 0).unwrap();
        let first = seen.lock().unwrap().first().copied();
        assert!(first >= Some(2), "{name} {engine:?}: resumed run began at superstep {first:?}");
        assert_eq!(resumed.supersteps, reference.supersteps, "{name} {engine:?}");
        assert_eq!(resumed.table, reference.table, "{name} {engine:?}: results differ");
        assert!(!dir.path().join("checkpoint.ember").exists(), "{name}: a finished run leaves its checkpoint");
    }
}

#[test]
fn checkpoints_are_refused_where_they_cannot_apply() {
    let g = load(&LoadSpec::new(data().join("karate.txt.gz"))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = || RunContext { checkpoint: Some(Checkpoint::new(dir.path(), 1, true).unwrap()), ..Default::default() };
    let e = run(&g, &Algorithm::with_defaults("lcc").unwrap(), &common(Engine::Auto, ctx()), 0).unwrap_err();
    assert!(e.to_string().contains("lcc writes no checkpoints"), "{e}");
    // A checkpoint of another run (other parameters) is rejected, not used.
    let ten = Algorithm::new("pagerank", &[("iterations", "10")]).unwrap();
    let ck = Checkpoint { run: "pagerank iterations=99".into(), ..Checkpoint::new(dir.path(), 1, true).unwrap() };
    ember::checkpoint::save::<f64, ()>(
        &ck,
        "pagerank kernel f64, vertices by degree",
        3,
        0,
        &vec![0.0; g.num_vertices()],
        &[],
    )
    .unwrap();
    let e = run(&g, &ten, &common(Engine::Kernel, ctx()), 0).unwrap_err();
    assert!(e.to_string().contains("another run"), "{e}");
}
