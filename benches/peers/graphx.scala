// GraphX peer (see graphx_driver.sh and the protocol in peer.py). Loads the edge list with
// GraphLoader.edgeListFile into 2 partitions, then runs the kernels the runner asks for:
// staticPageRank (GraphX's variant), connectedComponents, BFS hops as ShortestPaths to the
// source. GraphX has no weighted single-source shortest path, so sssp answers with an error.
import org.apache.spark.graphx._
import org.apache.spark.storage.StorageLevel

val env = sys.env
def say(json: String): Unit = { println("EMBER-PEER " + json); Console.out.flush() }
def peakRss(): Long = scala.io.Source.fromFile("/proc/self/status").getLines()
  .find(_.startsWith("VmHWM:")).map(_.split("\\s+")(1).toLong * 1024).getOrElse(-1L)
def resetPeak(): Unit = try { val w = new java.io.FileWriter("/proc/self/clear_refs"); w.write("5"); w.close() } catch { case _: Throwable => () }

val undirected = env("EMBER_PEER_UNDIRECTED") == "1"
val source = env("EMBER_PEER_SOURCE").toLong
val iterations = env("EMBER_PEER_ITERATIONS").toInt
val t0 = System.nanoTime
val loaded = GraphLoader.edgeListFile(sc, env("EMBER_PEER_EDGES"), false, 2,
  StorageLevel.MEMORY_ONLY, StorageLevel.MEMORY_ONLY)
// Undirected: self-loops and duplicate pairs dropped, then both directions (as Ember reads it).
val graph: Graph[Int, Int] = if (undirected) {
  val pairs = loaded.edges.filter(e => e.srcId != e.dstId)
    .map(e => (math.min(e.srcId, e.dstId), math.max(e.srcId, e.dstId))).distinct()
  val both = pairs.flatMap { case (a, b) => Seq(Edge(a, b, 1), Edge(b, a, 1)) }
  Graph.fromEdges(both, 1, StorageLevel.MEMORY_ONLY, StorageLevel.MEMORY_ONLY).partitionBy(PartitionStrategy.EdgePartition2D, 2)
} else loaded
graph.cache()
val numEdges = graph.edges.count()
val numVertices = graph.vertices.count()
say(s"""{"ready": true, "load_s": ${(System.nanoTime - t0) / 1e9}, "vertices": $numVertices, "edges": $numEdges}""")

val in = new java.io.BufferedReader(new java.io.FileReader(env("EMBER_PEER_IN")))
var line = in.readLine()
while (line != null && line.trim != "quit") {
  val name = line.trim
  resetPeak()
  val t = System.nanoTime
  val check: Option[String] = name match {
    case "pagerank" =>
      val r = graph.staticPageRank(iterations, 0.15).vertices
      val (id, score) = r.reduce((a, b) => if (a._2 > b._2 || (a._2 == b._2 && a._1 < b._1)) a else b)
      Some(s"top $id ${score / numVertices} (sum-1 scale)")
    case "wcc" =>
      val sizes = graph.connectedComponents().vertices.map(_._2).countByValue()
      Some(s"components ${sizes.size}; largest ${if (sizes.isEmpty) 0 else sizes.values.max}")
    case "bfs" =>
      // ShortestPaths gives hops from every vertex to the landmark: BFS from it on the reverse.
      val g = if (undirected) graph else graph.reverse
      val d = lib.ShortestPaths.run(g, Seq(source)).vertices.flatMap(_._2.get(source))
      val reached = d.count()
      Some(s"reached $reached; max hops ${if (reached > 0) d.max() else 0}")
    case _ => None
  }
  val secs = (System.nanoTime - t) / 1e9
  check match {
    case Some(c) => say(s"""{"algorithm": "$name", "seconds": $secs, "check": "$c", "peak_rss_bytes": ${peakRss()}}""")
    case None => say(s"""{"algorithm": "$name", "error": "not available in GraphX"}""")
  }
  line = in.readLine()
}
System.exit(0)
