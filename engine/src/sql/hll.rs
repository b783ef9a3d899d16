//! Spark's HyperLogLog sketch functions over DataSketches HLL sketches (BINARY), so that
//! `hyper_anf`'s results are used as in Spark:
//!
//! - `hll_sketch_estimate(sketch)` → BIGINT: the sketch's cardinality estimate, rounded.
//! - `hll_union(a, b [, allow_different_lg_config_k])` → BINARY: the union of two sketches
//!   (an `HLL_8` sketch with the smaller `lgConfigK`; sketches of different `lgConfigK` are an
//!   error unless the third argument is true, as in Spark).
//!
//! NULL in, NULL out. A value that is not a DataSketches HLL sketch is an error naming the
//! function and the row. Sketches are read and written by the `datasketches` crate, so bytes
//! from Spark's `hll_sketch_agg` or DataSketches' libraries are accepted too.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray, Int64Builder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;
use datasketches::hll::{HllSketch, HllType, HllUnion};

/// Registers `hll_sketch_estimate` and `hll_union` in `ctx`.
pub fn register_all(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::from(Estimate::new()));
    ctx.register_udf(ScalarUDF::from(Union::new()));
}

/// The arguments as arrays of one length (scalars repeated).
fn arrays(args: &ScalarFunctionArgs) -> DfResult<Vec<ArrayRef>> {
    args.args.iter().map(|a| a.to_array(args.number_rows)).collect()
}

/// Binary arguments as plain `Binary` (views and large binaries cast).
fn binary(a: &ArrayRef) -> DfResult<ArrayRef> {
    Ok(datafusion::arrow::compute::cast(a, &DataType::Binary)?)
}

fn sketch(f: &str, bytes: &[u8], row: usize) -> DfResult<HllSketch> {
    HllSketch::deserialize(bytes).or_else(|e| exec_err!("{f}: row {}: not a DataSketches HLL sketch ({e})", row + 1))
}

/// The result as an array, or a scalar when every argument was a scalar.
fn shape(args: &ScalarFunctionArgs, out: ArrayRef) -> DfResult<ColumnarValue> {
    if args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
    } else {
        Ok(ColumnarValue::Array(out))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Estimate {
    signature: Signature,
}

impl Estimate {
    fn new() -> Estimate {
        Estimate { signature: Signature::uniform(1, vec![DataType::Binary], Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Estimate {
    fn name(&self) -> &str {
        "hll_sketch_estimate"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Int64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let a = binary(&arrays(&args)?[0])?;
        let a = a.as_binary::<i32>();
        let mut out = Int64Builder::with_capacity(a.len());
        for i in 0..a.len() {
            if a.is_null(i) {
                out.append_null();
            } else {
                out.append_value(sketch(self.name(), a.value(i), i)?.estimate().round() as i64);
            }
        }
        shape(&args, Arc::new(out.finish()))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Union {
    signature: Signature,
}

impl Union {
    fn new() -> Union {
        Union {
            signature: Signature::one_of(
                vec![
                    TypeSignature::Exact(vec![DataType::Binary, DataType::Binary]),
                    TypeSignature::Exact(vec![DataType::Binary, DataType::Binary, DataType::Boolean]),
                ],
                Volatility::Immutable,
            ),
        }
    }
}

impl ScalarUDFImpl for Union {
    fn name(&self) -> &str {
        "hll_union"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        Ok(arg_types
            .iter()
            .enumerate()
            .map(|(i, t)| if i < 2 && *t != DataType::Null { DataType::Binary } else { t.clone() })
            .collect())
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Binary)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let f = self.name();
        let arr = arrays(&args)?;
        let (a, b) = (binary(&arr[0])?, binary(&arr[1])?);
        let (a, b) = (a.as_binary::<i32>(), b.as_binary::<i32>());
        let allow: Option<&BooleanArray> = arr.get(2).map(|x| x.as_boolean());
        let mut out = BinaryBuilder::new();
        for i in 0..a.len() {
            if a.is_null(i) || b.is_null(i) {
                out.append_null();
                continue;
            }
            let (x, y) = (sketch(f, a.value(i), i)?, sketch(f, b.value(i), i)?);
            let differ_ok = allow.is_some_and(|c| c.is_valid(i) && c.value(i));
            if x.lg_config_k() != y.lg_config_k() && !differ_ok {
                return exec_err!(
                    "{f}: row {}: sketches of different lgConfigK ({} and {}); pass true as the third argument to allow it",
                    i + 1,
                    x.lg_config_k(),
                    y.lg_config_k()
                );
            }
            // Both lgConfigK come from valid sketches (4..=21).
            let mut u = HllUnion::new(x.lg_config_k().min(y.lg_config_k())).expect("lgConfigK of a valid sketch");
            u.update(&x);
            u.update(&y);
            out.append_value(u.to_sketch(HllType::Hll8).serialize());
        }
        shape(&args, Arc::new(out.finish()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::execution::FunctionRegistry;

    #[test]
    fn the_registry_documents_every_function() {
        let ctx = SessionContext::new();
        register_all(&ctx);
        let documented: Vec<&str> =
            crate::registry::SKETCH_FUNCTIONS.iter().map(|(sig, _)| sig.split('(').next().unwrap_or("")).collect();
        for name in ["hll_sketch_estimate", "hll_union"] {
            assert!(ctx.udf(name).is_ok() && documented.contains(&name), "{name}");
        }
        assert_eq!(documented.len(), 2);
    }
}
