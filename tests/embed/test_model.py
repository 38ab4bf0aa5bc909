"""The local embedding model, run for real (all-MiniLM-L6-v2, int8 ONNX, onnxruntime on the
CPU): vectors of the right shape, unit length, deterministic, closer for texts of one topic,
truncated past 256 tokens; the models that cannot be loaded say why."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from arxiv_radar.embed import DEFAULT_MODEL, MODELS, Embedder, load_embedder
from arxiv_radar.embed.model import UNAVAILABLE, model_spec, pool
from arxiv_radar.errors import UsageError

GRAPHS = (
    "Graph neural networks learn node representations by passing messages along the edges "
    "of a graph."
)
GRAPHS_AGAIN = (
    "Message-passing neural networks compute embeddings of the vertices of a graph from "
    "their neighbours."
)
PROTEINS = (
    "A deep learning model predicts how a protein's amino-acid chain folds into its "
    "three-dimensional structure."
)
FLOAT_MODEL_COSINES = {(0, 1): 0.8047, (0, 2): 0.2929, (1, 2): 0.3021}
"""The cosines of these three texts by the float model (all-MiniLM-L6-v2's float32 weights,
run in float64 by ``python bench/semantic.py --reference``, mean pooling, 256 tokens)."""


@pytest.fixture(scope="module")
def embedder() -> Iterator[Embedder]:
    yield load_embedder()


def test_vectors_are_float32_rows_of_unit_length(embedder: Embedder) -> None:
    assert embedder.model_id == "all-MiniLM-L6-v2-int8" and embedder.dim == 384
    vectors = embedder.embed([GRAPHS, GRAPHS_AGAIN, PROTEINS, ""])
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(vectors).all()


def test_the_same_text_gives_the_same_vector_alone_or_in_a_batch(embedder: Embedder) -> None:
    texts = [PROTEINS, GRAPHS, "Short.", GRAPHS_AGAIN * 3]
    first = embedder.embed(texts)
    assert np.array_equal(first, embedder.embed(texts))
    alone = np.vstack([embedder.embed([text]) for text in texts])
    assert np.allclose(first, alone, atol=1e-5)  # padding and sorting change nothing
    assert np.allclose(embedder.embed(texts[::-1])[::-1], first, atol=1e-5)


def test_texts_of_one_topic_are_closer_as_the_float_model_says(embedder: Embedder) -> None:
    vectors = embedder.embed([GRAPHS, GRAPHS_AGAIN, PROTEINS])
    cosines = vectors @ vectors.T
    assert cosines[0, 1] > 0.7 > 0.4 > max(cosines[0, 2], cosines[1, 2])
    for (a, b), expected in FLOAT_MODEL_COSINES.items():
        assert cosines[a, b] == pytest.approx(expected, abs=0.01)


def test_long_texts_are_truncated_to_256_tokens(embedder: Embedder) -> None:
    long = " ".join([GRAPHS] * 60)  # about 1,100 tokens
    vectors = embedder.embed([long, long + " " + PROTEINS * 10, GRAPHS])
    assert vectors.shape == (3, 384)
    assert np.allclose(vectors[0], vectors[1], atol=1e-6)  # what follows token 256 is unread
    assert float(vectors[0] @ vectors[2]) > 0.8


def test_an_empty_list_gives_no_rows(embedder: Embedder) -> None:
    vectors = embedder.embed([])
    assert vectors.shape == (0, 384) and vectors.dtype == np.float32


def test_mean_pooling_follows_the_mask_and_cls_takes_the_first_token() -> None:
    hidden = np.array([[[3.0, 4.0], [0.0, 2.0], [99.0, 99.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]], dtype=np.int64)
    assert np.allclose(pool(hidden, mask, "mean"), [[1, 2]] / np.sqrt(5))  # mean (1.5, 3)
    assert np.allclose(pool(hidden, mask, "cls"), [[0.6, 0.8]])
    assert pool(hidden, mask, "mean").dtype == np.float32


def test_models_are_chosen_by_package_or_model_id() -> None:
    assert model_spec() is MODELS[DEFAULT_MODEL] is model_spec("all-MiniLM-L6-v2-int8")
    with pytest.raises(UsageError, match="unknown embedding model 'word2vec'"):
        load_embedder("word2vec")
    for name, reason in UNAVAILABLE.items():
        with pytest.raises(UsageError, match="cannot be used") as caught:
            load_embedder(name)
        assert reason in str(caught.value)


def test_a_missing_model_package_names_the_reinstall_line() -> None:
    absent = replace(MODELS[DEFAULT_MODEL], package="no-such-model-x", module="no_such_model_x")
    with pytest.raises(UsageError) as caught:
        load_embedder(absent)
    assert caught.value.exit_code == 2
    assert str(caught.value).endswith('pip install --force-reinstall "no-such-model-x"')


def test_another_model_file_or_none_is_refused() -> None:
    other = replace(MODELS[DEFAULT_MODEL], model_id="changed", sha256="0" * 64)
    with pytest.raises(UsageError, match="is not the model arxiv-radar knows as changed"):
        load_embedder(other)
    elsewhere = replace(MODELS[DEFAULT_MODEL], package="json", module="json")
    with pytest.raises(UsageError, match="the package json holds no model.onnx"):
        load_embedder(elsewhere)


def test_batches_hold_at_least_one_text() -> None:
    with pytest.raises(ValueError, match="batch_size must be at least 1, not 0"):
        load_embedder(batch_size=0)


def test_any_batch_size_gives_the_same_vectors(embedder: Embedder) -> None:
    texts = [GRAPHS, PROTEINS, "Short.", GRAPHS_AGAIN, ""]
    one_by_one = load_embedder(batch_size=1, threads=1)
    assert np.allclose(one_by_one.embed(texts), embedder.embed(texts), atol=1e-5)
