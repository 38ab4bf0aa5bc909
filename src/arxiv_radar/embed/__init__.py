"""Sentence embeddings of papers, computed on the CPU and kept in the store.

``load_embedder()`` loads the local model (all-MiniLM-L6-v2, int8 ONNX, run by onnxruntime)
from installed packages, offline; ``embed_papers(store, embedder, papers)`` returns each
paper version's vector, embedding only the versions the store has no vector of yet. The
model and its packages are core dependencies; importing this package imports neither numpy
nor onnxruntime (a command that ranks by keywords never loads them).
"""

from .model import DEFAULT_MODEL, MODELS, Embedder, ModelSpec, load_embedder
from .papers import embed_papers, paper_text

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "Embedder",
    "ModelSpec",
    "embed_papers",
    "load_embedder",
    "paper_text",
]
