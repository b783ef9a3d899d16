//! Loaders: each format, and malformed inputs whose errors must name the file and line.

use ember::load::{Format, LoadSpec, load};
use ember::{Graph, GraphOptions};

use crate::helpers::{gzip, temp_file};

fn load_text(name: &str, content: &[u8]) -> Result<Graph, String> {
    let (_d, p) = temp_file(name, content);
    load(&LoadSpec::new(&p)).map_err(|e| e.to_string().replace(&p.display().to_string(), name))
}

#[test]
fn snap_gzip_crlf_comments() {
    let g =
        load_text("g.txt.gz", &gzip(b"# Directed graph\r\n# FromNodeId\tToNodeId\r\n1\t2\r\n2\t3\r\n3 1\r\n")).unwrap();
    assert_eq!((g.num_vertices(), g.num_edges()), (3, 3));
    // Also gzip under a name that does not say so (detected by magic bytes).
    assert_eq!(load_text("g.txt", &gzip(b"1 2\n")).unwrap().num_edges(), 1);
}

#[test]
fn malformed_inputs_have_clear_errors() {
    let big = (0..50_000).map(|i| format!("{i}\t{}\n", i + 1)).collect::<String>();
    let gz = gzip(big.as_bytes());
    let truncated = &gz[..gz.len() / 2];
    let e = load_text("t.txt.gz", truncated).unwrap_err();
    assert!(e.starts_with("t.txt.gz:") && e.contains("corrupt or truncated gzip data"), "{e}");

    assert_eq!(load_text("b.txt", b"# c\n1 2\n3 x\n").unwrap_err(), "b.txt:3: expected an integer id, found 'x'");
    assert_eq!(load_text("e.txt", b"").unwrap_err(), "e.txt: the file has no edges");
    assert_eq!(load_text("c.txt", b"# only comments\r\n").unwrap_err(), "c.txt: the file has no edges");
    assert_eq!(
        load_text("o.txt", b"1 2\n99999999999999999999 3\n").unwrap_err(),
        "o.txt:2: id '99999999999999999999' does not fit in a 64-bit integer"
    );
    assert_eq!(
        load_text("x.txt", b"1 2 3 4\n").unwrap_err(),
        "x.txt:1: expected 'src dst [weight]', found an extra column '4'"
    );
    assert_eq!(load_text("w.txt", b"1 2 0.5\n2 3 abc\n").unwrap_err(), "w.txt:2: expected a number, found 'abc'");
    let missing = std::path::Path::new("/nonexistent/graph.txt");
    let e = load(&LoadSpec::new(missing)).unwrap_err().to_string();
    assert!(e.starts_with("/nonexistent/graph.txt: No such file"), "{e}");
}

#[test]
fn error_line_numbers_are_exact_across_parallel_pieces() {
    // Far past the first parallel piece (pieces are at least 64 KiB).
    let mut text = (0..200_000).map(|i| format!("{i} {}\n", i + 1)).collect::<String>();
    text.push_str("5 five\n");
    assert_eq!(
        load_text("long.txt", text.as_bytes()).unwrap_err(),
        "long.txt:200001: expected an integer id, found 'five'"
    );
}

#[test]
fn negative_weight_is_an_error_for_sssp() {
    let (_d, p) = temp_file("w.txt", b"1 2 1.5\n2 3 -2\n");
    let g = load(&LoadSpec::new(&p)).unwrap();
    let e = ember::algo::sssp::run(&g, &Default::default()).unwrap_err().to_string();
    assert_eq!(e, "edge 2 (2 -> 3) has weight -2; shortest paths need finite non-negative weights");
    let (_d, p) = temp_file("n.txt", b"1 2 NaN\n");
    let g = load(&LoadSpec::new(&p)).unwrap();
    assert!(ember::algo::sssp::run(&g, &Default::default()).unwrap_err().to_string().contains("weight NaN"));
    let (_d, p) = temp_file("u.txt", b"1 2\n");
    let g = load(&LoadSpec::new(&p)).unwrap();
    assert!(
        ember::algo::sssp::run(&g, &Default::default()).unwrap_err().to_string().contains("sssp needs edge weights")
    );
}

#[test]
fn csv_with_header_and_vertex_table() {
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("edges.csv");
    let v = dir.path().join("people.csv");
    std::fs::write(&e, "src,dst,weight,since\nalice,bob,1.5,2020\nbob,carol,2,2021\n").unwrap();
    std::fs::write(&v, "id,age\nalice,30\nbob,40\ncarol,50\ndave,60\n").unwrap();
    let mut spec = LoadSpec::new(&e);
    spec.vertices = Some(v.clone());
    let g = load(&spec).unwrap();
    assert_eq!((g.num_vertices(), g.num_edges()), (4, 2));
    assert_eq!(g.weights().unwrap(), &[1.5, 2.0]);
    let vb = g.vertices_batch().unwrap();
    assert_eq!(vb.schema().field(1).name(), "age");
    let eb = g.edges_batch().unwrap();
    assert_eq!(eb.num_columns(), 4);

    // Missing column: names the file and lists the columns that exist.
    std::fs::write(&e, "from,to\n1,2\n").unwrap();
    let err = load(&LoadSpec::new(&e)).unwrap_err().to_string();
    assert_eq!(err, format!("{}: edge table has no column `src`; columns are: from, to", e.display()));
    // Selectable column names.
    let mut spec = LoadSpec::new(&e);
    spec.options.src_column = "from".into();
    spec.options.dst_column = "to".into();
    assert_eq!(load(&spec).unwrap().num_edges(), 1);
    // An edge to a vertex missing from the vertex table names the id.
    std::fs::write(&e, "src,dst\nalice,zed\n").unwrap();
    let mut spec = LoadSpec::new(&e);
    spec.vertices = Some(v);
    let err = load(&spec).unwrap_err().to_string();
    assert!(err.ends_with("edges.csv:2: dst id zed is not in the vertex table"), "{err}");
}

#[test]
fn parquet_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (_d, p) = temp_file("g.txt", b"1 2 0.5\n2 3 0.25\n3 1 1\n");
    let g = load(&LoadSpec::new(&p)).unwrap();
    let out = dir.path().join("edges.parquet");
    ember::output::write_batches(&[g.edges_batch().unwrap()], &out).unwrap();
    let g2 = load(&LoadSpec::new(&out)).unwrap();
    assert_eq!(g2.num_edges(), 3);
    assert_eq!(g2.weights().unwrap(), g.weights().unwrap());
}

/// Values survive every reader as written: NaN and infinities in a Parquet weight column are
/// not replaced by anything a reader summarised (DataFusion's statistics once turned
/// `[1.0, NaN]` into `[1.0, 1.0]`), nor are nulls.
#[test]
fn special_values_survive_parquet_and_text() {
    use ember::datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch};
    use ember::datafusion::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let w = vec![1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    let schema = Arc::new(Schema::new(vec![
        Field::new("src", DataType::Int64, false),
        Field::new("dst", DataType::Int64, false),
        Field::new("weight", DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(vec![1, 2, 3, 4])),
            Arc::new(Int64Array::from(vec![2, 3, 4, 1])),
            Arc::new(Float64Array::from(w.clone())),
        ],
    )
    .unwrap();
    let pq = dir.path().join("w.parquet");
    ember::output::write_batches(&[batch], &pq).unwrap();
    let g = load(&LoadSpec::new(&pq)).unwrap();
    let got = g.weights().unwrap();
    assert_eq!(got.len(), 4);
    for (a, b) in got.iter().zip(&w) {
        assert!(a == b || (a.is_nan() && b.is_nan()), "{got:?} vs {w:?}");
    }
    // SSSP rejects the NaN, from Parquet as from text.
    let e = ember::algo::sssp::run(&g, &Default::default()).unwrap_err().to_string();
    assert!(e.contains("has weight NaN"), "{e}");
    let e = load_text("w.txt", b"1 2 1\n2 3 NaN\n").map(|g| ember::algo::sssp::run(&g, &Default::default()));
    assert!(e.unwrap().unwrap_err().to_string().contains("has weight NaN"));
    // Through SQL too.
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let s = ember::sql::Session::new();
    let n = rt
        .block_on(async {
            s.register_file("w", &pq).await?;
            s.sql("SELECT count(*) FROM w WHERE isnan(weight)")
                .await?
                .collect()
                .await
                .map_err(|e| ember::Error::df("q", e))
        })
        .unwrap();
    let c = n[0].column(0).as_any().downcast_ref::<Int64Array>().unwrap().value(0);
    assert_eq!(c, 1);
}

#[test]
fn matrix_market_and_dimacs() {
    let mtx = b"%%MatrixMarket matrix coordinate real symmetric\n% comment\n4 4 3\n1 2 0.5\n2 3 1.5\n3 1 2\n";
    let g = load_text("m.mtx", mtx).unwrap();
    assert_eq!((g.num_vertices(), g.num_edges(), g.is_directed()), (4, 3, false));
    let e = load_text("m.mtx", b"%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\n").unwrap_err();
    assert_eq!(e, "m.mtx: the size line (line 2) announces 2 entries, the file has 1");
    let e = load_text("m.mtx", b"%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 9\n").unwrap_err();
    assert_eq!(e, "m.mtx:3: index 9 is outside 1..=3");

    let gr = b"c USA road\np sp 3 2\nc arcs\na 1 2 7\na 2 3 5\n";
    let g = load_text("r.gr", gr).unwrap();
    assert_eq!((g.num_vertices(), g.num_edges(), g.is_directed()), (3, 2, true));
    let d = ember::algo::sssp::run(&g, &Default::default()).unwrap();
    assert_eq!(d.distance, vec![0.0, 7.0, 12.0]);
    let e = load_text("r.gr", b"p sp 3 1\na 1 2\n").unwrap_err();
    assert_eq!(e, "r.gr:2: expected 'a u v w'");
    assert_eq!(Format::detect(std::path::Path::new("x.GR")), Format::Dimacs);
}

#[test]
fn ldbc_graph_folder() {
    let g = load(&LoadSpec::new(crate::helpers::data().join("ldbc/example-undirected"))).unwrap();
    assert!(!g.is_directed());
    assert_eq!(g.num_vertices(), 9);
    let _ = GraphOptions::default();
}

/// Sizes a file declares are checked before anything is allocated: clear errors, no abort.
#[test]
fn declared_sizes_are_checked_before_allocating() {
    for n in ["4611686018427387904", "3000000000", "-5"] {
        let mtx = format!("%%MatrixMarket matrix coordinate pattern general\n{n} {n} 1\n1 1\n");
        let e = load_text("m.mtx", mtx.as_bytes()).unwrap_err();
        assert!(e.starts_with("m.mtx:2: ") && (e.contains("vertices") || e.contains("negative")), "{e}");
        let gr = format!("c x\np sp {n} 1\na 1 1 5\n");
        let e = load_text("d.gr", gr.as_bytes()).unwrap_err();
        assert!(e.starts_with("d.gr:2: declares") && e.contains("vertices"), "{e}");
    }
    // A count within the limit still works.
    let g = load_text("m.mtx", b"%%MatrixMarket matrix coordinate pattern general\n5 5 1\n1 2\n").unwrap();
    assert_eq!(g.num_vertices(), 5);
    // A count the file's size cannot account for is a corrupt header (found by the fuzzer: 595M
    // vertices in 105 bytes took seconds and gigabytes); up to 2^20 isolated vertices are free.
    let e = load_text("d.gr", b"c x\np sp 595713579 1\na 1 2 5\n").unwrap_err();
    assert!(e.starts_with("d.gr:2: declares 595713579 vertices, which a file of 29 bytes cannot"), "{e}");
    let e =
        load_text("m.mtx", b"%%MatrixMarket matrix coordinate pattern general\n9000000 9000000 1\n1 2\n").unwrap_err();
    assert!(e.contains("the header looks corrupt"), "{e}");
    let g = load_text("d.gr", b"p sp 1048576 1\na 1 2 5\n").unwrap();
    assert_eq!(g.num_vertices(), 1 << 20);
}

/// A file without line ends (or with `\r` alone) is an error at its first line, read in linear
/// time, whatever its size.
#[test]
fn lines_longer_than_the_limit_are_errors() {
    let cr_only: Vec<u8> = b"1 2\r".iter().copied().cycle().take(ember::load::text::MAX_LINE + 1024).collect();
    let e = load_text("cr.txt", &cr_only).unwrap_err();
    assert!(e.starts_with("cr.txt:1: line longer than 64 MiB"), "{e}");
    assert!(e.contains("\\r alone"), "{e}");
    // The header reader of Matrix Market files is capped too.
    let mut mtx = b"%%MatrixMarket matrix coordinate pattern general\n".to_vec();
    mtx.resize(mtx.len() + ember::load::text::MAX_LINE + 10, b'7');
    let e = load_text("long.mtx", &mtx).unwrap_err();
    assert!(e.starts_with("long.mtx:2: line longer than 64 MiB"), "{e}");
    // A long line under the limit is read (and judged by its content).
    let mut long = b"1 2\n".to_vec();
    long.extend(std::iter::repeat_n(b'9', 20 << 20));
    long.extend(b" 3\n");
    let e = load_text("l.txt", &long).unwrap_err();
    assert!(e.starts_with("l.txt:2: id '9999"), "{}", &e[..60]);
}

/// A categorical (dictionary-encoded) string id column, as pandas writes one to Parquet.
#[test]
fn dictionary_encoded_ids_are_read() {
    use ember::datafusion::arrow::array::{DictionaryArray, RecordBatch, StringArray};
    use ember::datafusion::arrow::datatypes::{DataType, Field, Int32Type, Schema};
    use std::sync::Arc;
    let dict = |v: Vec<&str>| -> Arc<DictionaryArray<Int32Type>> { Arc::new(v.into_iter().collect()) };
    let t = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let schema = Arc::new(Schema::new(vec![Field::new("src", t.clone(), false), Field::new("dst", t, false)]));
    let batch = RecordBatch::try_new(schema, vec![dict(vec!["a", "b", "c"]), dict(vec!["b", "c", "a"])]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("cat.parquet");
    ember::output::write_batches(&[batch], &pq).unwrap();
    let g = load(&LoadSpec::new(&pq)).unwrap();
    assert_eq!((g.num_vertices(), g.num_edges()), (3, 3));
    let ids = g.ids().to_array();
    let ids = ids.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(ids.iter().flatten().collect::<Vec<_>>(), vec!["a", "b", "c"]);
}

/// Spark writes a table as a folder of part files with a `_SUCCESS` marker (and hidden `.crc`
/// files); pandas/pyarrow and globs name several files. Every loader reads them as one table.
#[test]
fn folders_of_part_files_and_globs() {
    let dir = tempfile::tempdir().unwrap();
    // SNAP text parts.
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    std::fs::write(snap.join("part-00000"), "1 2\n2 3\n").unwrap();
    std::fs::write(snap.join("part-00001"), gzip(b"3 4\n")).unwrap();
    std::fs::write(snap.join("_SUCCESS"), "").unwrap();
    std::fs::write(snap.join(".part-00000.crc"), "garbage").unwrap();
    let g = load(&LoadSpec::new(&snap)).unwrap();
    assert_eq!((g.num_vertices(), g.num_edges()), (4, 3));
    // An error in the second part names that part and its line.
    std::fs::write(snap.join("part-00002"), "5 6\n5 x\n").unwrap();
    let e = load(&LoadSpec::new(&snap)).unwrap_err().to_string();
    assert!(e.ends_with("part-00002:2: expected an integer id, found 'x'"), "{e}");
    let g = load(&LoadSpec::new(snap.join("part-0000[01]"))).unwrap();
    assert_eq!(g.num_edges(), 3);

    // CSV parts, as Spark's DataFrame.write.csv(header=True) leaves them.
    let csv = dir.path().join("csv");
    std::fs::create_dir(&csv).unwrap();
    std::fs::write(csv.join("part-00000-a1.c000.csv"), "src,dst\n1,2\n").unwrap();
    std::fs::write(csv.join("part-00001-a1.c000.csv"), "src,dst\n2,3\n3,1\n").unwrap();
    std::fs::write(csv.join("_SUCCESS"), "").unwrap();
    assert_eq!(Format::detect(&csv), Format::Csv);
    assert_eq!(load(&LoadSpec::new(&csv)).unwrap().num_edges(), 3);
    assert_eq!(load(&LoadSpec::new(csv.join("part-*.csv"))).unwrap().num_edges(), 3);

    // Parquet parts (Spark's, or pandas' partitioned writes), `_SUCCESS` skipped.
    let pq = dir.path().join("edges.parquet");
    std::fs::create_dir(&pq).unwrap();
    let (_d, p) = temp_file("g.txt", b"1 2\n2 3\n3 1\n");
    let g = load(&LoadSpec::new(&p)).unwrap();
    let b = g.edges_batch().unwrap();
    ember::output::write_batches(&[b.slice(0, 1)], &pq.join("part-00000-x.snappy.parquet")).unwrap();
    ember::output::write_batches(&[b.slice(1, 2)], &pq.join("part-00001-x.snappy.parquet")).unwrap();
    std::fs::write(pq.join("_SUCCESS"), "").unwrap();
    assert_eq!(load(&LoadSpec::new(&pq)).unwrap().num_edges(), 3);

    // Nothing to read: said plainly.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("_SUCCESS"), "").unwrap();
    let e = load(&LoadSpec::new(&empty)).unwrap_err().to_string();
    assert!(e.contains("the folder has no data files"), "{e}");
    let e = load(&LoadSpec::new(dir.path().join("nope-*.csv"))).unwrap_err().to_string();
    assert!(e.contains("no file matches the pattern"), "{e}");
}

/// CSV compressed with bzip2 or xz (written by DataFusion's own CSV writer) is read by its
/// name's suffix, by the graph loader and as a SQL table.
#[test]
fn bzip2_and_xz_csv() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for (suffix, codec) in [("bz2", "bzip2"), ("xz", "xz")] {
        let p = dir.path().join(format!("e.csv.{suffix}"));
        let ctx = ember::datafusion::prelude::SessionContext::new();
        let copy = format!(
            "COPY (SELECT * FROM (VALUES (1, 2, 0.5), (2, 3, 1.5)) AS t(src, dst, weight)) TO '{}' \
             STORED AS CSV OPTIONS ('format.compression' '{codec}', 'format.has_header' 'true')",
            p.display()
        );
        rt.block_on(async { ctx.sql(&copy).await.unwrap().collect().await.unwrap() });
        assert!(p.is_file(), "{}", p.display());
        assert_eq!(Format::detect(&p), Format::Csv);
        let g = load(&LoadSpec::new(&p)).unwrap();
        assert_eq!(g.weights().unwrap(), &[0.5, 1.5], "{}", p.display());
        let s = ember::sql::Session::new();
        let n = rt.block_on(async {
            let df = s.read_file(&p).await.unwrap();
            df.count().await.unwrap()
        });
        assert_eq!(n, 2, "{}", p.display());
    }
}

/// CSV compressed with gzip or zstd is read by its name's suffix.
#[test]
fn compressed_csv() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"src,dst,weight\n1,2,0.5\n2,3,1.5\n";
    let gz = dir.path().join("e.csv.gz");
    std::fs::write(&gz, gzip(text)).unwrap();
    let zst = dir.path().join("e.csv.zst");
    std::fs::write(&zst, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
    for p in [&gz, &zst] {
        assert_eq!(Format::detect(p), Format::Csv);
        let g = load(&LoadSpec::new(p)).unwrap();
        assert_eq!(g.weights().unwrap(), &[0.5, 1.5], "{}", p.display());
    }
}

/// A UTF-8 byte order mark (Excel, Notepad) is not part of the first id or column name.
#[test]
fn byte_order_marks_are_skipped() {
    let g = load_text("bom.txt", b"\xEF\xBB\xBF1 2\n2 3\n").unwrap();
    assert_eq!(g.num_edges(), 2);
    let (_d, p) = temp_file("bom.csv", b"\xEF\xBB\xBFsrc,dst\n1,2\n");
    assert_eq!(load(&LoadSpec::new(&p)).unwrap().num_edges(), 1);
}

/// Errors about a row name the file the row is in and its line (1-based, a CSV header
/// counted), wherever DataFusion found it.
#[test]
fn row_errors_name_their_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let msg = |spec: &LoadSpec| load(spec).unwrap_err().to_string().replace(&format!("{}/", dir.path().display()), "");
    // A repeated vertex id is the vertex file's fault, not the edge file's.
    let mut spec = LoadSpec::new(at("e.csv", "src,dst\n1,2\n"));
    spec.vertices = Some(at("v.csv", "id,age\n1,3\n2,4\n1,5\n"));
    assert_eq!(msg(&spec), "v.csv:4: vertex id 1 appears twice (also on line 2)");
    let mut spec = LoadSpec::new(at("e.txt", "1 2\n"));
    spec.vertices = Some(at("v.txt", "# ids\n1\n\n2\n1\n"));
    assert_eq!(msg(&spec), "v.txt:5: vertex id 1 appears twice (also on line 2)");
    // An edge to an unknown vertex names the edge file's line.
    let mut spec = LoadSpec::new(at("e2.csv", "src,dst\n1,2\n2,9\n"));
    spec.vertices = Some(at("v2.csv", "id\n1\n2\n"));
    assert_eq!(msg(&spec), "e2.csv:3: dst id 9 is not in the vertex table");
    assert_eq!(msg(&LoadSpec::new(at("n.csv", "src,dst\n1,2\n2,\n"))), "n.csv:3: null id in column `dst`");
    // Arrow counts CSV records without the header; the line here counts it.
    let long: String = (1..=1500).map(|i| format!("{i},{}\n", i + 1)).collect();
    assert_eq!(
        msg(&LoadSpec::new(at("l.csv", &format!("src,dst\n{long}5,x\n")))),
        "l.csv:1502: Error while parsing value 'x' as type 'Int64' for column 1. Row data: '[5,x]'"
    );
    assert_eq!(
        msg(&LoadSpec::new(at("w.csv", "src,dst\n1,2\n2,3,4\n"))),
        "w.csv:3: expected 2 columns as in the lines before, found 3"
    );
    // A file that ends lines with \r alone is named as such.
    let e = msg(&LoadSpec::new(at("cr.txt", "1 2\r3 4\r5 6\r")));
    assert!(e.starts_with("cr.txt:1: ") && e.contains("end lines with \\r alone"), "{e}");
}
