"""Knowledge-base speed of a generated service: ingestion and hybrid search, per vector store.

    python bench/rag.py [--stores sqlite_vec,qdrant] [--sizes 1000,10000,100000]
                        [--queries 200] [--ingest-mb 2] [--budget-seconds 900] [--quick]

Generates one project per store from this checkout (the embedded stores: sqlite-vec, and
Qdrant in local mode), then in a process of each project's own:

- ingest MB/s: plain-text documents of 100 KB through the service's own indexer (extract,
  chunk, embed with the offline hash embedder, store vectors and keyword terms);
- search p50/p95 (ms): the store (Qdrant's local mode in memory: it searches in memory on
  disk too) filled to each size with passages of one owner (every query
  scans them all), then random questions answered by hybrid search (query embedding, nearest
  vectors, keyword matches, reciprocal-rank fusion), one at a time. Target: p50 < 50 ms at
  100k passages. Also the CPU time a query takes (all threads of the process): on a shared
  machine, wall-clock latency includes the time other processes held the cores.

Sizes that would start after `--budget-seconds` are skipped (and said so), and a size stops
asking after `--seconds-per-size` (at least 10 queries). `--quick` is a tiny run that
tests/template/test_bench.py uses to check the script works.
Needs the template's dependencies in this interpreter (scripts/test installs them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

MEASURE = textwrap.dedent(
    '''
    """Runs inside a generated project: prints one JSON object per measure."""
    import asyncio
    import json
    import random
    import statistics
    import sys
    import time

    from app.core.clock import utcnow
    from app.db.engine import create_engine
    from app.core.metrics import Metrics
    from app.knowledge.ingest import Indexer
    from app.knowledge.models import Document
    from app.knowledge.stores import open_vector_store
    from app.knowledge.stores.base import Passage, Query
    from app.knowledge.terms import query_terms, terms
    from app.llm.hash_embedder import HashEmbedder
    from app.llm.prompt_guard import PromptGuard
    from app.settings import Settings

    config = json.loads(sys.argv[1])
    chance = random.Random(42)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = [
        "".join(chance.choice(letters) for _ in range(chance.randint(3, 10)))
        for _ in range(20_000)
    ]
    # Zipf-like: a few words are everywhere, most are rare (as in real text).
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]


    def words(count):
        return " ".join(chance.choices(vocabulary, weights, k=count))


    def emit(**measure):
        print(json.dumps(measure), flush=True)


    async def main():
        settings = Settings(_env_file=None, **config["settings"])
        engine = create_engine("sqlite+aiosqlite:///" + config["work"] + "/unused.db")
        embedder = HashEmbedder(settings.embedding_dimensions)
        started = time.perf_counter()
        async with open_vector_store(settings, engine) as store:
            guard = PromptGuard(settings.prompt_guard, Metrics())
            indexer = Indexer(embedder=embedder, store=store, guard=guard, settings=settings)
            total_bytes, seconds = 0, 0.0
            for number in range(max(1, round(config["ingest_mb"] * 10))):
                text = "\\n\\n".join(words(60) + "." for _ in range(250)).encode()[:100_000]
                now = utcnow()
                document = Document(
                    id=f"ingest{number:026d}", owner_id="ingest", name=f"doc-{number}.txt",
                    kind="text", size_bytes=len(text), sha256="-", status="processing",
                    created_at=now, updated_at=now,
                )
                begin = time.perf_counter()
                await indexer.index(document, text)
                seconds += time.perf_counter() - begin
                total_bytes += len(text)
            emit(measure="ingest", mb=total_bytes / 1e6, seconds=seconds)

        search_settings = Settings(_env_file=None, **config["search_settings"])
        async with open_vector_store(search_settings, engine) as store:
            filled = 0
            for size in config["sizes"]:
                if time.perf_counter() - started > config["budget_seconds"]:
                    emit(measure="search", size=size, skipped="time budget spent")
                    continue
                fill_started = time.perf_counter()
                while filled < size:
                    batch = min(500, size - filled)
                    texts = [words(40) for _ in range(batch)]
                    vectors = await embedder.embed(texts)
                    await store.add([
                        Passage("bench", f"doc{(filled + i) // 50:028d}", "doc.txt",
                                (filled + i) % 50, text, terms(text), vector)
                        for i, (text, vector) in enumerate(zip(texts, vectors))
                    ])
                    filled += batch
                fill_seconds = time.perf_counter() - fill_started
                latencies, cpu = [], []
                deadline = time.perf_counter() + config["seconds_per_size"]
                for _ in range(config["queries"]):
                    if len(latencies) >= 10 and time.perf_counter() > deadline:
                        break
                    question = words(6)
                    begin, begin_cpu = time.perf_counter(), time.process_time()
                    (vector,) = await embedder.embed([question])
                    hits = await store.search(Query("bench", question, query_terms(question),
                                                    vector, 5))
                    latencies.append((time.perf_counter() - begin) * 1000)
                    cpu.append((time.process_time() - begin_cpu) * 1000)
                    assert len(hits) == 5
                cuts = statistics.quantiles(latencies, n=20)
                emit(measure="search", size=size, p50=statistics.median(latencies), p95=cuts[18],
                     cpu_p50=statistics.median(cpu), queries=len(latencies),
                     fill_seconds=fill_seconds)
        await engine.dispose()


    asyncio.run(main())
    '''
)


def generate(store: str, destination: Path) -> Path:
    import copier

    copier.run_copy(
        str(REPO),
        destination,
        data={"project_name": "bench", "vector_store": store, "auth": "none", "docker": False},
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref="HEAD",
    )
    return destination


def store_settings(store: str, work: Path, *, purpose: str) -> dict[str, object]:
    if store == "sqlite_vec":
        return {"vector_db_path": str(work / f"{purpose}.db")}
    if purpose == "search":
        # Local mode searches in memory either way; on disk it also writes every point to a
        # file as it comes, which would make filling 100k passages take most of an hour.
        return {"qdrant_path": ":memory:"}
    return {"qdrant_path": str(work / "qdrant")}


def measure(store: str, args: argparse.Namespace, work: Path) -> list[dict[str, object]]:
    project = generate(store, work / f"project-{store}")
    (work / "measure.py").write_text(MEASURE)
    config = {
        "settings": {"environment": "test", **store_settings(store, work, purpose="ingest")},
        "search_settings": {
            "environment": "test",
            **store_settings(store, work, purpose="search"),
        },
        "work": str(work),
        "sizes": args.sizes,
        "queries": args.queries,
        "ingest_mb": args.ingest_mb,
        "budget_seconds": args.budget_seconds,
        "seconds_per_size": args.seconds_per_size,
    }
    completed = subprocess.run(
        [sys.executable, str(work / "measure.py"), json.dumps(config)],
        cwd=project,
        env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=args.budget_seconds * 3 + 120,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{store}: the measure failed\n{completed.stderr[-4000:]}")
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def report(store: str, results: list[dict[str, object]]) -> None:
    print(f"\n{store}")
    for result in results:
        if result["measure"] == "ingest":
            mb, seconds = float(result["mb"]), float(result["seconds"])  # type: ignore[arg-type]
            print(
                f"  ingest MB/s (hash embedder)  {mb / seconds:8.2f}   "
                f"({mb:.1f} MB in {seconds:.1f} s)"
            )
        elif "skipped" in result:
            print(f"  search at {result['size']:>7,} passages   skipped: {result['skipped']}")
        else:
            p50, p95 = float(result["p50"]), float(result["p95"])  # type: ignore[arg-type]
            cpu = float(result["cpu_p50"])  # type: ignore[arg-type]
            print(
                f"  search at {result['size']:>7,} passages   p50 {p50:8.2f} ms   "
                f"p95 {p95:8.2f} ms   CPU p50 {cpu:8.2f} ms   ({result['queries']} queries; "
                f"filled in {float(result['fill_seconds']):.0f} s)"  # type: ignore[arg-type]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite_vec,qdrant")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ingest-mb", type=float, default=2.0)
    parser.add_argument("--budget-seconds", type=float, default=900.0)
    parser.add_argument("--seconds-per-size", type=float, default=60.0, help="query time cap")
    parser.add_argument("--quick", action="store_true", help="a tiny run: checks the script")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.queries, args.ingest_mb, args.budget_seconds = "200,500", 20, 0.1, 60.0
    args.sizes = [int(size) for size in str(args.sizes).split(",")]
    print(
        f"knowledge base: {args.queries} queries per size, top 5, one owner's passages; "
        f"ingest {args.ingest_mb:g} MB"
    )
    for store in args.stores.split(","):
        with tempfile.TemporaryDirectory(prefix=f"aiapi-rag-{store}-") as tmp:
            report(store, measure(store, args, Path(tmp)))


if __name__ == "__main__":
    main()
