"""`make visualize`: the dialogue as a graph, from `rasa visualize`.

Rasa writes an HTML page that draws the graph with JavaScript fetched from the
internet. This takes the Graphviz source out of that page, keeps it as
docs/dialogue.dot and renders docs/dialogue.png with Graphviz's `dot`, so the
picture works offline and in the repository. The stories drawn are the test
stories (tests/test_stories.yml): the dialogue itself is rules, which
`rasa visualize` does not draw, and the test stories walk every rule.
"""
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "graph.html"
        # No NLU data: the user's turns are labelled with their intent, not a random example.
        no_nlu = Path(tmp) / "nlu.yml"
        no_nlu.write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
        subprocess.run([sys.executable, "-m", "scripts.quiet_rasa", "visualize", "--domain", "domain",
                        "--stories", "tests/test_stories.yml", "--nlu", str(no_nlu), "--out", str(page)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        found = re.search(r"graph = `(digraph.*?)`", page.read_text(encoding="utf-8"), re.S)
    if not found:
        sys.exit("visualize: no graph in rasa visualize's page")
    source = found.group(1).replace("digraph  {", 'digraph  {\nrankdir=TB; nodesep=0.25; ranksep=0.35;', 1)
    DOCS.mkdir(exist_ok=True)
    (DOCS / "dialogue.dot").write_text(source + "\n", encoding="utf-8")
    dot = shutil.which("dot")
    if not dot:
        print("visualize: docs/dialogue.dot written; install Graphviz (apt-get install graphviz) for the PNG")
        return 0
    subprocess.run([dot, "-Tpng", "-Gdpi=72", str(DOCS / "dialogue.dot"), "-o", str(DOCS / "dialogue.png")],
                   check=True)
    print("visualize: docs/dialogue.dot and docs/dialogue.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
