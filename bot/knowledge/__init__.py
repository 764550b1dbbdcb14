"""政策知识库: the policy documents, FAQ topics and out-of-scope examples under knowledge/.

Small modules with one job each:

- `models` / `loader`: read knowledge/documents, knowledge/faq and knowledge/out_of_scope.yml into typed objects;
- `render`: fill the `{dotted.path|format}` placeholders of answers and articles from the policy file;
- `check`: the validator staff run after editing (`python -m bot kb check`);
- `export`: generate the Rasa NLU and domain files (`python -m bot kb build`);
- `search`: BM25 over articles and topics, for questions the classifier is unsure about;
- `cli`: the `python -m bot kb …` sub-commands.

Nothing here imports Rasa, and nothing reads the disk at import time.
"""
