"""Source text of the bundled example's package (src/churn) and test suite.
Each module has a head (imports, constants filled from its tunables) and a
body; gen_ml_repo.py grows helpers at the end as the history goes on."""

MODULES = {
"src/churn/config.py": ('''"""Load the pipeline parameters (params.yaml) and project paths."""
import logging
import pathlib

import yaml

logger = logging.getLogger(__name__)
ROOT = pathlib.Path(__file__).resolve().parents[2]
PARAMS_FILE = "params.yaml"
CACHE_PARAMS = {cache}
''', '''

_cache = {{}}


def load_params(path=PARAMS_FILE):
    """Return the parsed parameters; cached by path when CACHE_PARAMS."""
    if CACHE_PARAMS and path in _cache:
        return _cache[path]
    with open(ROOT / path) as f:
        params = yaml.safe_load(f)
    _cache[path] = params
    return params
'''),
"src/churn/data.py": ('''"""Stage prepare: parse the raw XML dump, split train/test."""
import logging
import random
import xml.etree.ElementTree as ET

from .config import load_params

logger = logging.getLogger(__name__)
MIN_BODY_LEN = {min_len}
''', '''

def load_raw(path):
    """Return the post bodies of PATH, skipping ones shorter than MIN_BODY_LEN."""
    rows = [p.get("Body", "") for p in ET.parse(path).getroot()]
    return [r for r in rows if len(r) >= MIN_BODY_LEN]


def split(rows, ratio, seed):
    rng = random.Random(seed)
    train, test = [], []
    for row in rows:
        (test if rng.random() < ratio else train).append(row)
    return train, test


def main(src, dst):
    params = load_params()["prepare"]
    train, test = split(load_raw(src), params["split"], params["seed"])
    logger.info("prepared %d train / %d test rows", len(train), len(test))
    return train, test
'''),
"src/churn/features.py": ('''"""Stage featurize: token counts and tf-idf matrices."""
import collections
import logging
import math

from .config import load_params
from .data import split

logger = logging.getLogger(__name__)
SMOOTHING = {smooth}
''', '''

def tokenize(text, ngrams=1):
    words = text.lower().split()
    out = list(words)
    for n in range(2, ngrams + 1):
        out += [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
    return out


def vocabulary(texts, max_features, ngrams=1):
    counts = collections.Counter(t for text in texts for t in tokenize(text, ngrams))
    return sorted(w for w, _ in counts.most_common(max_features))


def tfidf(texts, vocab, ngrams=1):
    df = collections.Counter(t for text in texts for t in set(tokenize(text, ngrams)))
    n = len(texts)
    idf = {{w: math.log((n + SMOOTHING) / (df[w] + SMOOTHING)) + 1 for w in vocab}}
    return [[tokenize(t, ngrams).count(w) * idf[w] for w in vocab] for t in texts]


def build_matrix(rows):
    params = load_params()["featurize"]
    train, _ = split(rows, 0.0, 0)
    vocab = vocabulary(train, params["max_features"], params["ngrams"])
    return tfidf(train, vocab, params["ngrams"]), vocab
'''),
"src/churn/train.py": ('''"""Stage train: fit a gradient-boosted classifier, save model.pkl."""
import logging
import pickle

from . import config
from .features import build_matrix

logger = logging.getLogger(__name__)
EARLY_STOPPING_ROUNDS = {early}
''', '''

def make_model(n_est, lr, max_depth, seed):
    from sklearn.ensemble import GradientBoostingClassifier
    return GradientBoostingClassifier(n_estimators=n_est, learning_rate=lr,
                                      max_depth=max_depth, random_state=seed,
                                      n_iter_no_change=EARLY_STOPPING_ROUNDS)


def fit_model(rows, labels):
    params = config.load_params()["train"]
    x, _ = build_matrix(rows)
    model = make_model(params["n_est"], params["lr"], params["max_depth"], params["seed"])
    return model.fit(x, labels)


def save_model(model, path="model.pkl"):
    with open(path, "wb") as f:
        pickle.dump(model, f)


def load_model(path="model.pkl"):
    with open(path, "rb") as f:
        return pickle.load(f)
'''),
"src/churn/evaluate.py": ('''"""Stage evaluate: ROC AUC and precision-recall on the test split."""
import logging

from churn.train import load_model

from .utils.io import write_json

logger = logging.getLogger(__name__)
THRESHOLD_DEFAULT = {threshold}
''', '''

def roc_auc(labels, scores):
    pairs = sorted(zip(scores, labels))
    pos = sum(1 for y in labels if y)
    neg = len(labels) - pos
    if not pos or not neg:
        return float("nan")
    ranks = sum(i + 1 for i, (_, y) in enumerate(pairs) if y)
    return (ranks - pos * (pos + 1) / 2) / (pos * neg)


def precision_recall(labels, scores, threshold=THRESHOLD_DEFAULT):
    tp = sum(1 for y, s in zip(labels, scores) if y and s >= threshold)
    fp = sum(1 for y, s in zip(labels, scores) if not y and s >= threshold)
    fn = sum(1 for y, s in zip(labels, scores) if y and s < threshold)
    return tp / ((tp + fp) or 1), tp / ((tp + fn) or 1)


def main(model_path, x, labels):
    model = load_model(model_path)
    scores = model.predict_proba(x)[:, 1]
    precision, recall = precision_recall(labels, scores)
    write_json("eval/metrics.json", {{"roc_auc": roc_auc(labels, scores),
                                      "precision": precision, "recall": recall}})
'''),
"src/churn/serve.py": ('''"""Online scoring with the registered churn-model (MLflow)."""
import logging

logger = logging.getLogger(__name__)
MODEL_URI = "models:/churn-model@champion"
TIMEOUT_MS = {timeout}
''', '''

def load_champion():
    import mlflow.pyfunc  # heavy: only when serving
    return mlflow.pyfunc.load_model(MODEL_URI)


def predict(payload, model=None):
    """Score one customer payload; loads the champion model unless given."""
    if model is None:
        model = load_champion()
    from .features import tokenize
    row = [len(tokenize(payload.get("notes", ""))), float(payload["tenure"])]
    return float(model.predict([row])[0])


def local_model(path="model.pkl"):
    from .train import load_model
    return load_model(path)
'''),
"src/churn/utils/__init__.py": ('''"""Small I/O helpers shared by the stages."""
''', ""),
"src/churn/utils/io.py": ('''"""JSON and TSV helpers with paths relative to the project root."""
import json

from ..config import ROOT

INDENT = {indent}
''', '''

def write_json(path, obj):
    with open(ROOT / path, "w") as f:
        json.dump(obj, f, indent=INDENT, sort_keys=True)


def read_json(path):
    with open(ROOT / path) as f:
        return json.load(f)


def read_tsv(path):
    with open(ROOT / path) as f:
        return [line.rstrip("\\n").split("\\t") for line in f]
'''),
"src/churn/__init__.py": ('''"""churn: predict customer churn from support tickets (an ML pipeline)."""
from . import config, data, evaluate, features, train
from .train import fit_model, load_model

__version__ = "{version}"
__all__ = ["config", "data", "evaluate", "features", "train", "fit_model", "load_model"]
''', ""),
}

TUNABLES = {
    "src/churn/config.py": ("cache", ["True", "False"]),
    "src/churn/data.py": ("min_len", ["0", "3", "5", "8", "12"]),
    "src/churn/features.py": ("smooth", ["1", "1.0", "0.5", "2"]),
    "src/churn/train.py": ("early", ["None", "5", "10", "20"]),
    "src/churn/evaluate.py": ("threshold", ["0.5", "0.4", "0.45", "0.55"]),
    "src/churn/serve.py": ("timeout", ["200", "250", "300", "150"]),
    "src/churn/utils/io.py": ("indent", ["2", "4", "None"]),
    "src/churn/__init__.py": ("version", None),
    "src/churn/utils/__init__.py": (None, None),
}

# module -> modules it imports (ground truth for the simulated test history)
IMPORTS = {
    "src/churn/config.py": [],
    "src/churn/data.py": ["src/churn/config.py"],
    "src/churn/features.py": ["src/churn/config.py", "src/churn/data.py"],
    "src/churn/train.py": ["src/churn/config.py", "src/churn/features.py"],
    "src/churn/evaluate.py": ["src/churn/train.py", "src/churn/utils/io.py",
                              "src/churn/utils/__init__.py"],
    "src/churn/serve.py": ["src/churn/features.py", "src/churn/train.py"],
    "src/churn/utils/__init__.py": [],
    "src/churn/utils/io.py": ["src/churn/config.py"],
    "src/churn/__init__.py": ["src/churn/config.py", "src/churn/data.py",
                              "src/churn/evaluate.py", "src/churn/features.py",
                              "src/churn/train.py"],
}

HELPERS = [
    '''def _clip_{n}(values, lo=0.0, hi={v}):
    """Clamp VALUES into [lo, hi]."""
    return [min(max(x, lo), hi) for x in values]
''',
    '''def _chunks_{n}(items, size={v}):
    for i in range(0, len(items), size):
        yield items[i:i + size]
''',
    '''def _safe_div_{n}(a, b, default={v}):
    return a / b if b else default
''',
    '''def _log_step_{n}(step, **fields):
    logger.debug("step %d (%s): %s", step, {v}, fields)
''',
]
