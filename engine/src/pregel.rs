//! The Pregel engine (GraphX's `Pregel` and `aggregateMessages`) over a [`PartitionedGraph`].
//!
//! A superstep: (1) *scatter* — every edge partition, in parallel, scans its active edges as
//! triplets and combines the messages `send_msg` emits into dense per-replica slots with
//! `merge_msg`; (2) *gather* — master ranges, in parallel, merge their replicas' slots in
//! partition order (the routing table says which slots); (3) `vprog` runs on every vertex that
//! received a message; (4) changed attributes are shipped to their replicas, which become the
//! active set for the next scatter. The loop ends when no message is sent or at the limit.
//!
//! Invariants: no allocation per edge or message (slots are allocated once per run); merge
//! order is fixed by the partitioning, never by thread timing, so integer results are exact and
//! float results differ across partitionings only by rounding. Vertex programs see dense
//! indices and never know about partitions, threads or processes.
//!
//! Distributed runs (a [`PartitionedGraph`] from [`PartitionedGraph::distributed`]): each worker
//! scans only its own partitions; [`Exchange::gather`] then sends every replica's combined
//! message to its master's worker (one collective round, keyed by the routing table), the
//! masters merge them in worker order, and a second round gives every worker the masters'
//! combined messages. So every worker holds all attributes and runs `vprog` on every vertex
//! that received a message: the state is the same on every worker, the scan of the edges (the
//! cost that grows with the graph) is split, and the superstep loop needs no other agreement.
//! Messages cross processes in [`State`]'s encoding: a program whose message type has none is
//! refused in a distributed run.

use std::time::Instant;

use rayon::prelude::*;

use crate::checkpoint::{self, Snapshot, State};
use crate::cluster::Cluster;
pub use crate::context::{CancelToken, Observer, RunContext, SuperstepStats};
use crate::error::{Error, Result};
use crate::partition::PartitionedGraph;

/// Which edges are scanned after the first superstep, by which endpoints received messages
/// in the previous one (GraphX `EdgeDirection` as `activeDirection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActiveDirection {
    /// Edges whose source is active.
    Out,
    /// Edges whose destination is active.
    In,
    /// Edges with at least one active endpoint.
    #[default]
    Either,
    /// Edges whose both endpoints are active.
    Both,
}

/// An edge with its endpoints' attributes, as `send_msg` sees it.
#[derive(Debug)]
pub struct EdgeTriplet<'a, VD, ED> {
    /// Dense index of the source / destination.
    pub src: u32,
    pub dst: u32,
    pub src_attr: &'a VD,
    pub dst_attr: &'a VD,
    pub attr: &'a ED,
}

/// The messages one triplet sends: at most one to each endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Msgs<M> {
    pub to_src: Option<M>,
    pub to_dst: Option<M>,
}

impl<M> Msgs<M> {
    pub fn none() -> Self {
        Msgs { to_src: None, to_dst: None }
    }
    pub fn to_src(m: M) -> Self {
        Msgs { to_src: Some(m), to_dst: None }
    }
    pub fn to_dst(m: M) -> Self {
        Msgs { to_src: None, to_dst: Some(m) }
    }
    pub fn both(to_src: M, to_dst: M) -> Self {
        Msgs { to_src: Some(to_src), to_dst: Some(to_dst) }
    }
}

/// Which endpoint attributes the triplets of a message round read (GraphX `TripletFields`):
/// only those are shipped to the replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TripletFields {
    /// Neither endpoint's attribute (messages depend on ids and edge attributes only).
    None,
    /// The source's attribute only.
    Src,
    /// The destination's attribute only.
    Dst,
    /// Both.
    #[default]
    All,
}

impl TripletFields {
    /// The partition role bits (1 = source, 2 = destination) whose replicas need attributes.
    fn mask(self) -> u8 {
        match self {
            TripletFields::None => 0,
            TripletFields::Src => 1,
            TripletFields::Dst => 2,
            TripletFields::All => 3,
        }
    }
}

/// Limits of a Pregel run.
#[derive(Debug, Clone, Copy)]
pub struct PregelConfig {
    /// Supersteps after the initial one (GraphX `maxIterations`).
    pub max_supersteps: u32,
    pub direction: ActiveDirection,
}

impl Default for PregelConfig {
    fn default() -> Self {
        PregelConfig { max_supersteps: u32::MAX, direction: ActiveDirection::Either }
    }
}

/// The outcome of a Pregel run.
#[derive(Debug, Clone)]
pub struct PregelResult<VD> {
    /// Final attribute of every vertex, by dense index.
    pub attrs: Vec<VD>,
    /// Supersteps run after the initial one.
    pub supersteps: u32,
    pub messages: u64,
    pub stats: Vec<SuperstepStats>,
}

#[inline]
fn combine<M>(slot: &mut Option<M>, m: M, merge: &impl Fn(M, M) -> M) {
    *slot = Some(match slot.take() {
        Some(a) => merge(a, m),
        None => m,
    });
}

/// How a message type crosses processes: its [`State`] encoding as plain function pointers,
/// so that the generic engine needs no `State` bound where it does not cross.
struct Codec<M> {
    put: fn(&M, &mut Vec<u8>),
    take: fn(&mut &[u8]) -> Option<M>,
}

// Function pointers copy whatever `M` is (a derive would ask `M: Copy`).
impl<M> Clone for Codec<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Codec<M> {}

impl<M: State> Codec<M> {
    fn of() -> Self {
        Codec { put: <M as State>::put, take: <M as State>::take }
    }
}

/// Replica state of one edge partition.
struct Replicas<VD, ED, M> {
    attr: Vec<VD>,
    active: Vec<bool>,
    msg: Vec<Option<M>>,
    edge_attr: Vec<ED>,
}

/// Message exchange state reused across supersteps: replicas, their message slots, and the
/// masters' combined messages.
pub struct Exchange<'p, 'g, VD, ED, M> {
    pg: &'p PartitionedGraph<'g>,
    parts: Vec<Replicas<VD, ED, M>>,
    fields: TripletFields,
    /// Combined message per vertex (dense index) after [`Exchange::gather`].
    pub msg: Vec<Option<M>>,
    /// Messages this worker's last scatter sent.
    sent: u64,
    codec: Option<Codec<M>>,
}

impl<'p, 'g, VD, ED, M> Exchange<'p, 'g, VD, ED, M>
where
    VD: Clone + Send + Sync,
    ED: Clone + Send + Sync,
    M: Send + Sync,
{
    /// Sets up replicas of `attrs` (one per vertex) and the partitions' copies of `edge_attr`
    /// (one per edge, in the graph's edge order); triplets may read both endpoints.
    pub fn new(pg: &'p PartitionedGraph<'g>, attrs: &[VD], edge_attr: &[ED]) -> Result<Self> {
        Self::with_fields(pg, attrs, edge_attr, TripletFields::All)
    }

    /// Like [`Exchange::new`], shipping only the endpoint attributes `fields` names: a replica
    /// the triplets never read holds a placeholder (a copy of the first attribute).
    pub fn with_fields(
        pg: &'p PartitionedGraph<'g>,
        attrs: &[VD],
        edge_attr: &[ED],
        fields: TripletFields,
    ) -> Result<Self> {
        Self::build(pg, attrs, edge_attr, fields, None)
    }

    fn build(
        pg: &'p PartitionedGraph<'g>,
        attrs: &[VD],
        edge_attr: &[ED],
        fields: TripletFields,
        codec: Option<Codec<M>>,
    ) -> Result<Self> {
        if pg.cluster().is_some() && codec.is_none() {
            return Err(Error::Config(format!(
                "this program's message type `{}` cannot be sent between processes: a distributed run needs \
                 messages that implement ember::checkpoint::State (pregel_resumable's programs have them)",
                std::any::type_name::<M>()
            )));
        }
        let g = pg.graph();
        if attrs.len() != g.num_vertices() || edge_attr.len() != g.num_edges() {
            return Err(Error::Internal(format!(
                "pregel: {} vertex and {} edge attributes for a graph of {} vertices and {} edges",
                attrs.len(),
                edge_attr.len(),
                g.num_vertices(),
                g.num_edges()
            )));
        }
        let mask = fields.mask();
        let parts = pg
            .partitions()
            .par_iter()
            .map(|ep| Replicas {
                attr: ep
                    .l2g
                    .iter()
                    .zip(&ep.roles)
                    .map(|(&v, &r)| if r & mask != 0 { attrs[v as usize].clone() } else { attrs[0].clone() })
                    .collect(),
                active: vec![true; ep.l2g.len()],
                msg: (0..ep.l2g.len()).map(|_| None).collect(),
                edge_attr: ep.edges.iter().map(|&e| edge_attr[e as usize].clone()).collect(),
            })
            .collect();
        let msg = (0..g.num_vertices()).map(|_| None).collect();
        Ok(Exchange { pg, parts, fields, msg, sent: 0, codec })
    }

    /// Ships master attributes to replicas: all of them (`changed = None`, every replica
    /// active) or only the changed ones (which become the active set).
    pub fn ship(&mut self, attrs: &[VD], changed: Option<&[bool]>) {
        let mask = self.fields.mask();
        self.parts.par_iter_mut().zip(self.pg.partitions()).for_each(|(st, ep)| {
            for (l, (&g, &role)) in ep.l2g.iter().zip(&ep.roles).enumerate() {
                let c = changed.is_none_or(|c| c[g as usize]);
                if c && role & mask != 0 {
                    st.attr[l] = attrs[g as usize].clone();
                }
                st.active[l] = c;
            }
        });
    }

    /// Scans edges (all, or those active in `direction`) and combines their messages into the
    /// replicas' slots. Returns the number of messages sent.
    pub fn scatter<S, MM>(&mut self, direction: Option<ActiveDirection>, send: &S, merge: &MM) -> u64
    where
        S: Fn(&EdgeTriplet<VD, ED>) -> Msgs<M> + Sync,
        MM: Fn(M, M) -> M + Sync,
    {
        self.sent = self
            .parts
            .par_iter_mut()
            .zip(self.pg.partitions())
            .map(|(st, ep)| {
                let Replicas { attr, active, msg, edge_attr } = st;
                let mut sent = 0u64;
                for ((&ls, &ld), ea) in ep.src.iter().zip(&ep.dst).zip(edge_attr.iter()) {
                    let (ls, ld) = (ls as usize, ld as usize);
                    let scan = match direction {
                        None => true,
                        Some(ActiveDirection::Out) => active[ls],
                        Some(ActiveDirection::In) => active[ld],
                        Some(ActiveDirection::Either) => active[ls] || active[ld],
                        Some(ActiveDirection::Both) => active[ls] && active[ld],
                    };
                    if !scan {
                        continue;
                    }
                    let t = EdgeTriplet {
                        src: ep.l2g[ls],
                        dst: ep.l2g[ld],
                        src_attr: &attr[ls],
                        dst_attr: &attr[ld],
                        attr: ea,
                    };
                    let out = send(&t);
                    if let Some(m) = out.to_src {
                        combine(&mut msg[ls], m, merge);
                        sent += 1;
                    }
                    if let Some(m) = out.to_dst {
                        combine(&mut msg[ld], m, merge);
                        sent += 1;
                    }
                }
                sent
            })
            .sum();
        self.sent
    }

    /// Merges the replicas' message slots into [`Exchange::msg`] through the routing table,
    /// clearing the slots. Parallel over master ranges; partitions merge in index order.
    /// Returns the number of messages the last scatter sent, over all workers of a distributed
    /// run (whose every worker then holds every vertex's combined message).
    pub fn gather<MM>(&mut self, merge: &MM) -> Result<u64>
    where
        MM: Fn(M, M) -> M + Sync,
    {
        if let Some(c) = self.pg.cluster() {
            // build() refuses a distributed partitioning without a codec.
            let codec = self.codec.ok_or_else(|| Error::Internal("distributed exchange without a codec".into()))?;
            return self.gather_distributed(c, codec, merge);
        }
        let pg = self.pg;
        let routing = pg.routing();
        let ranges = routing.len();
        let mut pieces: Vec<Vec<&mut [Option<M>]>> =
            (0..ranges).map(|_| Vec::with_capacity(self.parts.len())).collect();
        for (p, st) in self.parts.iter_mut().enumerate() {
            let mut rest: &mut [Option<M>] = &mut st.msg;
            for (r, row) in routing.iter().enumerate() {
                let (lo, hi) = row[p];
                let (head, tail) = rest.split_at_mut((hi - lo) as usize);
                pieces[r].push(head);
                rest = tail;
            }
        }
        let chunk = pg.chunk();
        self.msg.par_chunks_mut(chunk).zip(pieces).enumerate().for_each(|(r, (global, ps))| {
            let base = r * chunk;
            for (p, piece) in ps.into_iter().enumerate() {
                let l2g = &pg.partitions()[p].l2g[routing[r][p].0 as usize..];
                for (k, slot) in piece.iter_mut().enumerate() {
                    if let Some(m) = slot.take() {
                        combine(&mut global[l2g[k] as usize - base], m, merge);
                    }
                }
            }
        });
        Ok(self.sent)
    }

    /// [`Exchange::gather`] across workers: round one sends each replica's message (global
    /// index, encoded message) to the worker mastering its range, led by the sender's message
    /// count; masters merge in sender order. Round two gives every worker the masters'
    /// combined messages.
    fn gather_distributed<MM>(&mut self, c: &Cluster, codec: Codec<M>, merge: &MM) -> Result<u64>
    where
        MM: Fn(M, M) -> M + Sync,
    {
        let pg = self.pg;
        let routing = pg.routing();
        // Buffers sized for every replica's message up front (fixed-size messages: exact), so
        // a superstep does not grow them by copying and faulting in fresh pages.
        let rec = 4 + std::mem::size_of::<M>();
        let mut want = vec![8usize; c.peers()];
        for (r, row) in routing.iter().enumerate() {
            want[pg.range_owner(r)] += row.iter().map(|&(lo, hi)| (hi - lo) as usize * rec).sum::<usize>();
        }
        let mut out: Vec<Vec<u8>> = want
            .iter()
            .map(|&k| {
                let mut b = Vec::with_capacity(k);
                self.sent.put(&mut b);
                b
            })
            .collect();
        // Routing columns follow this worker's partitions in order.
        for (col, (st, ep)) in self.parts.iter_mut().zip(pg.partitions()).enumerate() {
            for (r, row) in routing.iter().enumerate() {
                let (lo, hi) = row[col];
                let buf = &mut out[pg.range_owner(r)];
                for l in lo as usize..hi as usize {
                    if let Some(m) = st.msg[l].take() {
                        ep.l2g[l].put(buf);
                        (codec.put)(&m, buf);
                    }
                }
            }
        }
        let bad = |from: usize| Error::Internal(format!("pregel: a malformed message buffer from worker {from}"));
        let got = c.exchange(out)?;
        let n = self.msg.len();
        let mut total = 0u64;
        for (from, b) in got.iter().enumerate() {
            let mut input: &[u8] = b;
            total += u64::take(&mut input).ok_or_else(|| bad(from))?;
            while !input.is_empty() {
                let v = u32::take(&mut input).ok_or_else(|| bad(from))? as usize;
                let m = (codec.take)(&mut input).ok_or_else(|| bad(from))?;
                if v >= n {
                    return Err(bad(from));
                }
                combine(&mut self.msg[v], m, merge);
            }
        }
        // Round two: this worker's master ranges, to everyone.
        let chunk = pg.chunk();
        let masters = (c.index()..routing.len())
            .step_by(c.peers())
            .map(|r| ((r + 1) * chunk).min(n).saturating_sub(r * chunk))
            .sum::<usize>();
        let mut mine = Vec::with_capacity(masters * rec);
        for r in (c.index()..routing.len()).step_by(c.peers()) {
            for v in r * chunk..((r + 1) * chunk).min(n) {
                if let Some(m) = &self.msg[v] {
                    (v as u32).put(&mut mine);
                    (codec.put)(m, &mut mine);
                }
            }
        }
        for (from, b) in c.all_gather(mine)?.iter().enumerate() {
            if from == c.index() {
                continue;
            }
            let mut input: &[u8] = b;
            while !input.is_empty() {
                let v = u32::take(&mut input).ok_or_else(|| bad(from))? as usize;
                let m = (codec.take)(&mut input).ok_or_else(|| bad(from))?;
                *self.msg.get_mut(v).ok_or_else(|| bad(from))? = Some(m);
            }
        }
        Ok(total)
    }
}

impl<'p, 'g, VD, ED, M> Exchange<'p, 'g, VD, ED, M>
where
    VD: Clone + Send + Sync,
    ED: Clone + Send + Sync,
    M: Send + Sync + State,
{
    /// [`Exchange::with_fields`] for a message type that can cross processes: the one to use
    /// for a partitioning that may be distributed.
    pub fn portable(
        pg: &'p PartitionedGraph<'g>,
        attrs: &[VD],
        edge_attr: &[ED],
        fields: TripletFields,
    ) -> Result<Self> {
        Self::build(pg, attrs, edge_attr, fields, Some(Codec::of()))
    }
}

/// One round of messages over all edges (GraphX `aggregateMessages`): returns, per vertex, the
/// combined message it received, if any. `fields` says which endpoint attributes `send` reads;
/// only those are shipped to the replicas (the others hold a placeholder). Messages implement
/// [`State`] so that the same call runs across processes.
pub fn aggregate_messages<VD, ED, M, S, MM>(
    pg: &PartitionedGraph<'_>,
    attrs: &[VD],
    edge_attr: &[ED],
    fields: TripletFields,
    send: S,
    merge: MM,
) -> Result<Vec<Option<M>>>
where
    VD: Clone + Send + Sync,
    ED: Clone + Send + Sync,
    M: Send + Sync + State,
    S: Fn(&EdgeTriplet<VD, ED>) -> Msgs<M> + Sync,
    MM: Fn(M, M) -> M + Sync,
{
    if attrs.is_empty() {
        return Ok(Vec::new());
    }
    let mut ex = Exchange::portable(pg, attrs, edge_attr, fields)?;
    ex.scatter(None, &send, &merge);
    ex.gather(&merge)?;
    Ok(ex.msg)
}

/// Runs a vertex program (GraphX `Pregel`): `vprog(v, attr, initial_msg)` on every vertex, then
/// supersteps of scatter / gather / `vprog` on vertices with messages, until no message is sent
/// or `cfg.max_supersteps` is reached. `edge_attr` has one entry per edge. Messages implement
/// [`State`] (their encoding between processes), so that the same program runs distributed. A
/// run whose context asks for checkpoints is refused: use [`pregel_resumable`], whose vertex
/// types can be written too.
#[allow(clippy::too_many_arguments)]
pub fn pregel<VD, ED, M, VP, S, MM>(
    pg: &PartitionedGraph<'_>,
    initial: Vec<VD>,
    edge_attr: &[ED],
    initial_msg: M,
    cfg: &PregelConfig,
    ctx: &RunContext,
    vprog: VP,
    send: S,
    merge: MM,
) -> Result<PregelResult<VD>>
where
    VD: Clone + Send + Sync,
    ED: Clone + Send + Sync,
    M: Send + Sync + State,
    VP: Fn(u32, &VD, &M) -> VD + Sync,
    S: Fn(&EdgeTriplet<VD, ED>) -> Msgs<M> + Sync,
    MM: Fn(M, M) -> M + Sync,
{
    if ctx.checkpoint.is_some() {
        return Err(Error::Config(
            "this run cannot write checkpoints (its state is not checkpointable); run it without a checkpoint folder"
                .into(),
        ));
    }
    run(pg, initial, edge_attr, initial_msg, cfg, ctx, vprog, send, merge, None, &|_, _, _, _| Ok(()))
}

/// [`pregel`] for vertex and message types that can be checkpointed: with a checkpoint in
/// `ctx`, the state is written every `every` supersteps and a resumed run starts from it.
#[allow(clippy::too_many_arguments)]
pub fn pregel_resumable<VD, ED, M, VP, S, MM>(
    pg: &PartitionedGraph<'_>,
    initial: Vec<VD>,
    edge_attr: &[ED],
    initial_msg: M,
    cfg: &PregelConfig,
    ctx: &RunContext,
    vprog: VP,
    send: S,
    merge: MM,
) -> Result<PregelResult<VD>>
where
    VD: Clone + Send + Sync + State,
    ED: Clone + Send + Sync,
    M: Send + Sync + State,
    VP: Fn(u32, &VD, &M) -> VD + Sync,
    S: Fn(&EdgeTriplet<VD, ED>) -> Msgs<M> + Sync,
    MM: Fn(M, M) -> M + Sync,
{
    let Some(ck) = &ctx.checkpoint else {
        return pregel(pg, initial, edge_attr, initial_msg, cfg, ctx, vprog, send, merge);
    };
    let layout = format!("pregel {} {}", std::any::type_name::<VD>(), std::any::type_name::<M>());
    let resume = checkpoint::restore::<VD, M>(ck, &layout, pg.graph().num_vertices())?;
    pg.agree_on_resume(resume.as_ref().map(|s| s.step))?;
    let writer = pg.writes_checkpoints();
    let save = |step: u32, total: u64, attrs: &[VD], msgs: &[Option<M>]| {
        if writer && ck.due(step) { checkpoint::save(ck, &layout, step, total, attrs, msgs) } else { Ok(()) }
    };
    run(pg, initial, edge_attr, initial_msg, cfg, ctx, vprog, send, merge, resume, &save)
}

/// Called after every superstep with (supersteps done, messages so far, attributes, waiting
/// messages); writes a checkpoint when one is due.
type SaveFn<'a, VD, M> = dyn Fn(u32, u64, &[VD], &[Option<M>]) -> Result<()> + 'a;

/// The superstep loop; `resume` replaces the initial superstep, `save` sees the state after
/// every superstep.
#[allow(clippy::too_many_arguments)]
fn run<VD, ED, M, VP, S, MM>(
    pg: &PartitionedGraph<'_>,
    initial: Vec<VD>,
    edge_attr: &[ED],
    initial_msg: M,
    cfg: &PregelConfig,
    ctx: &RunContext,
    vprog: VP,
    send: S,
    merge: MM,
    resume: Option<Snapshot<VD, M>>,
    save: &SaveFn<VD, M>,
) -> Result<PregelResult<VD>>
where
    VD: Clone + Send + Sync,
    ED: Clone + Send + Sync,
    M: Send + Sync + State,
    VP: Fn(u32, &VD, &M) -> VD + Sync,
    S: Fn(&EdgeTriplet<VD, ED>) -> Msgs<M> + Sync,
    MM: Fn(M, M) -> M + Sync,
{
    ctx.check()?;
    let n = pg.graph().num_vertices();
    if initial.len() != n {
        return Err(Error::Internal(format!("pregel: {} initial attributes for {n} vertices", initial.len())));
    }
    let t0 = Instant::now();
    let max = (cfg.max_supersteps != u32::MAX).then_some(cfg.max_supersteps);
    let (mut attrs, mut ex, mut messages, mut total, mut step, mut stats);
    match resume {
        None => {
            attrs = initial;
            attrs.par_iter_mut().enumerate().for_each(|(v, a)| *a = vprog(v as u32, a, &initial_msg));
            ex = Exchange::portable(pg, &attrs, edge_attr, TripletFields::All)?;
            ex.scatter(None, &send, &merge);
            messages = ex.gather(&merge)?;
            total = messages;
            step = 0;
            stats = vec![SuperstepStats {
                superstep: 0,
                max_supersteps: max,
                active_vertices: n as u64,
                messages,
                elapsed: t0.elapsed(),
            }];
        }
        Some(snap) => {
            // The state between supersteps: attributes everywhere (replicas are built from them)
            // and the combined messages the next superstep consumes.
            attrs = snap.attrs;
            ex = Exchange::portable(pg, &attrs, edge_attr, TripletFields::All)?;
            ex.msg = snap.msgs;
            messages = ex.msg.iter().filter(|m| m.is_some()).count() as u64;
            total = snap.total;
            step = snap.step;
            stats = vec![SuperstepStats {
                superstep: step,
                max_supersteps: max,
                active_vertices: 0,
                messages,
                elapsed: t0.elapsed(),
            }];
        }
    }
    ctx.report(&stats[0]);
    let mut changed = vec![false; n];
    while messages > 0 && step < cfg.max_supersteps {
        ctx.check()?;
        let t = Instant::now();
        let active: u64 = attrs
            .par_iter_mut()
            .zip(ex.msg.par_iter_mut())
            .zip(changed.par_iter_mut())
            .enumerate()
            .map(|(v, ((a, m), c))| match m.take() {
                Some(msg) => {
                    *a = vprog(v as u32, a, &msg);
                    *c = true;
                    1
                }
                None => {
                    *c = false;
                    0
                }
            })
            .sum();
        ex.ship(&attrs, Some(&changed));
        ex.scatter(Some(cfg.direction), &send, &merge);
        messages = ex.gather(&merge)?;
        total += messages;
        step += 1;
        let s = SuperstepStats {
            superstep: step,
            max_supersteps: max,
            active_vertices: active,
            messages,
            elapsed: t.elapsed(),
        };
        ctx.report(&s);
        stats.push(s);
        if messages > 0 && step < cfg.max_supersteps {
            save(step, total, &attrs, &ex.msg)?;
        }
    }
    Ok(PregelResult { attrs, supersteps: step, messages: total, stats })
}
