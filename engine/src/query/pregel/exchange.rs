//! One superstep's message exchange over the vertex-cut partitions: each partition, in
//! parallel, evaluates the messages on Arrow batches of its edges and folds them into its own
//! accumulators; the partitions' states merge into the masters in partition order.
//!
//! Invariants: groups are numbered in order of first message, per partition and at the
//! masters (DataFusion's accumulators assume every group below `total_num_groups` appeared in
//! some batch); only sending rows reach an accumulator, so a vertex has a group exactly when
//! it received a message; nothing per edge allocates outside Arrow's batch kernels.

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, UInt32Array};
use datafusion::arrow::compute::{self, take};
use datafusion::arrow::datatypes::Field;
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};
use datafusion::physical_expr::GroupsAccumulatorAdapter;
use rayon::prelude::*;

use super::program::{Program, Reads, batch, cast_to, eval_parallel};
use super::{BLOCK, Partitioning};
use crate::algo::Common;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::PartitionedGraph;

/// One partition's scatter: its accumulators (groups = local vertices), which local vertices
/// received a message, how many messages it sent.
pub(super) type Local = (Vec<Box<dyn GroupsAccumulator>>, Groups, u64);

/// Group numbers in order of first message (DataFusion's accumulators assume every group
/// below `total_num_groups` has appeared in some batch, as its hash aggregation numbers
/// them): `slot[v]` is v's group or `NONE`, `order[g]` the vertex of group `g`.
pub(super) struct Groups {
    pub(super) slot: Vec<u32>,
    pub(super) order: Vec<u32>,
}

pub(super) const NONE: u32 = u32::MAX;

impl Groups {
    fn new(n: usize) -> Self {
        Groups { slot: vec![NONE; n], order: Vec::new() }
    }
    #[inline]
    fn of(&mut self, v: u32) -> usize {
        let s = &mut self.slot[v as usize];
        if *s == NONE {
            *s = self.order.len() as u32;
            self.order.push(v);
        }
        *s as usize
    }
}

/// What one scatter and gather produced.
pub(super) struct Gathered {
    /// Per aggregate, one value per vertex (NULL where no message arrived).
    pub(super) columns: Vec<ArrayRef>,
    /// Each vertex's group (`NONE`: it received no message).
    pub(super) groups: Groups,
    pub(super) sent: u64,
}

impl<'g> Program<'g> {
    pub(super) fn partition(&self, graph: &'g Graph, p: Partitioning) -> Result<PartitionedGraph<'g>> {
        Common { strategy: p.strategy, partitions: p.partitions, ..Default::default() }.partition(graph)
    }

    fn accumulators(&self) -> Result<Vec<Box<dyn GroupsAccumulator>>> {
        self.calls
            .iter()
            .map(|c| -> Result<Box<dyn GroupsAccumulator>> {
                if c.agg.groups_accumulator_supported() {
                    c.agg.create_groups_accumulator().map_err(|e| Error::df("aggregating messages", e))
                } else {
                    let agg = c.agg.clone();
                    Ok(Box::new(GroupsAccumulatorAdapter::new(move || agg.create_accumulator())))
                }
            })
            .collect()
    }

    /// One round: messages from every edge of `pg`, combined per partition, merged per vertex.
    /// `skip`: the state column of the active flag, when inactive vertices send nothing.
    /// What every superstep reads from the partitions, built once per run: each partition's
    /// edges as global endpoint arrays (sliced per block without copying), its local-to-global
    /// map as group indices, and its copy of the edge columns the messages read.
    pub(super) fn prepare(&self, pg: &PartitionedGraph<'_>) -> Result<Prepared> {
        let g = self.graph;
        let edge_full: Vec<ArrayRef> = self.edge_cols.iter().map(|&i| g.edge_column(i)).collect::<Result<_>>()?;
        let parts = pg
            .partitions()
            .par_iter()
            .map(|ep| -> Result<Part> {
                let global = |l: &[u32]| UInt32Array::from_iter_values(l.iter().map(|&x| ep.l2g[x as usize]));
                let edges = if edge_full.is_empty() {
                    Vec::new()
                } else {
                    let idx = UInt32Array::from(ep.edges.clone());
                    edge_full
                        .iter()
                        .map(|c| take(c.as_ref(), &idx, None))
                        .collect::<std::result::Result<_, _>>()
                        .map_err(|e| Error::arrow("pregel: edge columns", e))?
                };
                Ok(Part {
                    gs: global(&ep.src),
                    gd: global(&ep.dst),
                    l2g: ep.l2g.iter().map(|&v| v as usize).collect(),
                    edges,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Prepared { parts, ids: self.agg_used.contains(&2).then(|| g.ids().to_array()) })
    }

    /// One round: messages from every edge of `pg`, combined per partition, merged per vertex.
    /// `skip`: the state column of the active flag, when inactive vertices send nothing.
    pub(super) fn scatter_gather(
        &self,
        pg: &PartitionedGraph<'_>,
        prep: &Prepared,
        st: &RecordBatch,
        skip: Option<usize>,
    ) -> Result<Gathered> {
        let n = self.graph.num_vertices();
        let both_ways = !self.graph.is_directed();
        let per_vertex = self.vertex_messages(st)?;
        let per_vertex = &per_vertex;
        let locals = pg
            .partitions()
            .par_iter()
            .zip(&prep.parts)
            .map(|(ep, part)| -> Result<Local> {
                let mut accs = self.accumulators()?;
                let mut local = Groups::new(ep.l2g.len());
                let mut sent = 0u64;
                let mut groups: Vec<usize> = Vec::with_capacity(BLOCK);
                for a in (0..ep.src.len()).step_by(BLOCK) {
                    let b = (a + BLOCK).min(ep.src.len());
                    let (gs, gd) = (part.gs.slice(a, b - a), part.gd.slice(a, b - a));
                    let fwd =
                        Block { ls: &ep.src[a..b], ld: &ep.dst[a..b], gs: &gs, gd: &gd, edges: &part.edges, a, b };
                    sent +=
                        self.block(&fwd, st, per_vertex, skip, prep.ids.as_ref(), &mut accs, &mut local, &mut groups)?;
                    if both_ways {
                        let back = Block { ls: fwd.ld, ld: fwd.ls, gs: &gd, gd: &gs, ..fwd };
                        sent += self.block(
                            &back,
                            st,
                            per_vertex,
                            skip,
                            prep.ids.as_ref(),
                            &mut accs,
                            &mut local,
                            &mut groups,
                        )?;
                    }
                }
                Ok((accs, local, sent))
            })
            .collect::<Result<Vec<_>>>()?;
        // Partitions' states merged into the masters in partition order.
        let mut masters = self.accumulators()?;
        let mut global = Groups::new(n);
        let mut sent = 0u64;
        let mut mapped: Vec<usize> = Vec::new();
        for (part, (accs, local, s)) in prep.parts.iter().zip(locals) {
            sent += s;
            if local.order.is_empty() {
                continue;
            }
            mapped.clear();
            mapped.extend(local.order.iter().map(|&l| global.of(part.l2g[l as usize] as u32)));
            for (m, mut acc) in masters.iter_mut().zip(accs) {
                let state = acc.state(EmitTo::All).map_err(|e| Error::df("aggregating messages", e))?;
                m.merge_batch(&state, &mapped, global.order.len()).map_err(|e| Error::df("aggregating messages", e))?;
            }
        }
        let k = global.order.len();
        let columns: Vec<ArrayRef> = if k == 0 {
            self.agg_fields.iter().map(|f| datafusion::arrow::array::new_null_array(f.data_type(), n)).collect()
        } else {
            let results = masters
                .iter_mut()
                .map(|m| m.evaluate(EmitTo::All).map_err(|e| Error::df("aggregating messages", e)))
                .collect::<Result<Vec<_>>>()?;
            let rb = batch(&self.outer_schema, results)?;
            // Back to vertex order: a vertex without a group (no message) gets NULL.
            let idx = UInt32Array::from_iter(global.slot.iter().map(|&g| (g != NONE).then_some(g)));
            self.outer
                .iter()
                .map(|e| -> Result<ArrayRef> {
                    let a = e
                        .evaluate(&rb)
                        .and_then(|v| v.into_array(k))
                        .map_err(|e| Error::df("aggregating messages", e))?;
                    take(a.as_ref(), &idx, None).map_err(|e| Error::arrow("aggregating messages", e))
                })
                .collect::<Result<_>>()?
        };
        Ok(Gathered { columns, groups: global, sent })
    }

    /// The messages that read one endpoint only, evaluated once per vertex (`None` for the
    /// others): the triplet batch with that endpoint's columns from the state and the other
    /// columns, which the expression does not read, as nulls.
    fn vertex_messages(&self, st: &RecordBatch) -> Result<Vec<Option<ArrayRef>>> {
        let n = st.num_rows();
        let null = |f: &Field| datafusion::arrow::array::new_null_array(f.data_type(), n);
        let fields = self.triplet.fields();
        let (ns, nd) = (self.src_cols.len(), self.dst_cols.len());
        self.msgs
            .iter()
            .map(|m| -> Result<Option<ArrayRef>> {
                if m.reads == Reads::Edge {
                    return Ok(None);
                }
                let cols: Vec<ArrayRef> = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| match m.reads {
                        Reads::Src if i < ns => st.column(self.src_cols[i]).clone(),
                        Reads::Dst if (ns..ns + nd).contains(&i) => st.column(self.dst_cols[i - ns]).clone(),
                        _ => null(f),
                    })
                    .collect();
                let vb = RecordBatch::try_new_with_options(
                    self.triplet_nullable.clone(),
                    cols,
                    &RecordBatchOptions::new().with_row_count(Some(n)),
                )
                .map_err(|e| Error::arrow("pregel: per-vertex messages", e))?;
                let a = eval_parallel(std::slice::from_ref(&m.expr), &vb)?.pop();
                a.map(|a| cast_to(a, &self.msg_type)).transpose()
            })
            .collect()
    }

    /// Messages of one block of a partition's edges (one direction), folded into `accs`.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &self,
        blk: &Block<'_>,
        st: &RecordBatch,
        per_vertex: &[Option<ArrayRef>],
        skip: Option<usize>,
        ids: Option<&ArrayRef>,
        accs: &mut [Box<dyn GroupsAccumulator>],
        local: &mut Groups,
        groups: &mut Vec<usize>,
    ) -> Result<u64> {
        let err = |e| Error::arrow("pregel: building messages", e);
        let len = blk.b - blk.a;
        let (gs, gd) = (blk.gs, blk.gd);
        // The triplets, built only when a message reads the edge.
        let per_edge = self.msgs.iter().any(|m| m.reads == Reads::Edge);
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.triplet.fields().len());
        for &c in self.src_cols.iter().filter(|_| per_edge) {
            cols.push(take(st.column(c).as_ref(), gs, None).map_err(err)?);
        }
        for &c in self.dst_cols.iter().filter(|_| per_edge) {
            cols.push(take(st.column(c).as_ref(), gd, None).map_err(err)?);
        }
        for e in blk.edges.iter().filter(|_| per_edge) {
            cols.push(e.slice(blk.a, len));
        }
        let tb = if per_edge {
            Some(
                RecordBatch::try_new_with_options(
                    self.triplet.clone(),
                    cols,
                    &RecordBatchOptions::new().with_row_count(Some(len)),
                )
                .map_err(err)?,
            )
        } else {
            None
        };
        // Edges whose sender is inactive send nothing (GraphFrames' skipMessagesFromNonActiveVertices).
        let mask = match skip {
            None => None,
            Some(c) => {
                let flag = st.column(c);
                let s = take(flag.as_ref(), gs, None).map_err(err)?;
                let s = s
                    .as_any()
                    .downcast_ref::<BooleanArray>()
                    .cloned()
                    .unwrap_or_else(|| BooleanArray::from(vec![false; len]));
                Some(if self.reads_dst {
                    let d = take(flag.as_ref(), gd, None).map_err(err)?;
                    let d = d
                        .as_any()
                        .downcast_ref::<BooleanArray>()
                        .cloned()
                        .unwrap_or_else(|| BooleanArray::from(vec![false; len]));
                    compute::or_kleene(&s, &d).map_err(err)?
                } else {
                    s
                })
            }
        };
        let mut sent = 0u64;
        for (msg, vertex) in self.msgs.iter().zip(per_vertex) {
            let to_dst = &msg.to_dst;
            let m = match (vertex, &tb) {
                (Some(v), _) => take(v.as_ref(), if msg.reads == Reads::Src { gs } else { gd }, None).map_err(err)?,
                (None, Some(tb)) => {
                    let m = msg
                        .expr
                        .evaluate(tb)
                        .and_then(|v| v.into_array(len))
                        .map_err(|e| Error::df("pregel: evaluating a message", e))?;
                    cast_to(m, &self.msg_type)?
                }
                (None, None) => return Err(Error::Internal("pregel: no triplets for a per-edge message".into())),
            };
            // Non-null messages from senders allowed to send.
            let valid = BooleanArray::new(
                m.logical_nulls()
                    .map_or_else(|| datafusion::arrow::buffer::BooleanBuffer::new_set(len), |nb| nb.inner().clone()),
                None,
            );
            let valid = match &mask {
                Some(k) => compute::and_kleene(&valid, k).map_err(err)?,
                None => valid,
            };
            // A NULL active flag counts as inactive.
            let valid = match valid.nulls() {
                Some(nb) => BooleanArray::new(valid.values() & nb.inner(), None),
                None => valid,
            };
            let count = valid.true_count();
            if count == 0 {
                continue;
            }
            sent += count as u64;
            let (target, gtarget) = if *to_dst { (blk.ld, gd) } else { (blk.ls, gs) };
            // Only the rows that send (null messages and inactive senders do not) reach the
            // aggregation, so that a group exists only for a vertex that received something.
            groups.clear();
            let (m, gtarget, rows) = if count == len {
                groups.extend(target.iter().map(|&x| local.of(x)));
                (m, gtarget.clone(), len)
            } else {
                let keep = UInt32Array::from_iter_values(valid.values().set_indices().map(|i| i as u32));
                groups.extend(keep.values().iter().map(|&i| local.of(target[i as usize])));
                let m = take(m.as_ref(), &keep, None).map_err(err)?;
                let t = take(gtarget, &keep, None).map_err(err)?;
                let t = t
                    .as_any()
                    .downcast_ref::<UInt32Array>()
                    .cloned()
                    .ok_or_else(|| Error::Internal("pregel: taking endpoint indices gave another type".into()))?;
                (m, t, count)
            };
            let mut mcols: Vec<ArrayRef> = Vec::with_capacity(self.agg_used.len());
            for &c in &self.agg_used {
                mcols.push(match (c, ids) {
                    (2, Some(ids)) => take(ids.as_ref(), &gtarget, None).map_err(err)?,
                    _ => m.clone(),
                });
            }
            let mb = RecordBatch::try_new_with_options(
                self.agg_input.clone(),
                mcols,
                &RecordBatchOptions::new().with_row_count(Some(rows)),
            )
            .map_err(err)?;
            let total = local.order.len();
            for (call, acc) in self.calls.iter().zip(accs.iter_mut()) {
                let df = |e| Error::df("pregel: aggregating messages", e);
                let args = call
                    .args
                    .iter()
                    .map(|a| a.evaluate(&mb).and_then(|v| v.into_array(rows)))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(df)?;
                let own = match &call.filter {
                    Some(f) => {
                        let v = f.evaluate(&mb).and_then(|v| v.into_array(rows)).map_err(df)?;
                        Some(
                            v.as_any()
                                .downcast_ref::<BooleanArray>()
                                .cloned()
                                .ok_or_else(|| Error::Config("an aggregate's FILTER must be boolean".into()))?,
                        )
                    }
                    None => None,
                };
                acc.update_batch(&args, groups, own.as_ref(), total).map_err(df)?;
            }
        }
        Ok(sent)
    }
}

/// One block of a partition's edges (in the direction scanned): local endpoints, global
/// endpoints, the partition's edge columns (rows `a..b` are this block's).
#[derive(Clone, Copy)]
pub(super) struct Block<'a> {
    ls: &'a [u32],
    ld: &'a [u32],
    gs: &'a UInt32Array,
    gd: &'a UInt32Array,
    edges: &'a [ArrayRef],
    a: usize,
    b: usize,
}

/// A partition as the supersteps read it (see [`Program::prepare`]).
pub(super) struct Part {
    gs: UInt32Array,
    gd: UInt32Array,
    l2g: Vec<usize>,
    edges: Vec<ArrayRef>,
}

pub(super) struct Prepared {
    parts: Vec<Part>,
    /// The vertex ids, when the aggregate reads `id`.
    ids: Option<ArrayRef>,
}
