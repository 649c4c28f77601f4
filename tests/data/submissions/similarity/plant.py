"""Make the planted copies in <assignment>/planted/ from the honest solutions (run once; the output
is committed). Each copy disguises a different honest original, so that every planted pair is
one original and its copy; planted.json maps each copy to its original.

    python tests/data/submissions/similarity/plant.py
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent


def renamed(text: str, names: dict[str, str]) -> str:
    """Every whole-word occurrence of each name replaced: what a student does to hide a copy."""
    for old, new in names.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return text


def reordered(text: str) -> str:
    """The top-level functions and classes in reverse order, the header (imports) first."""
    parts = re.split(r"\n(?=(?:def|class) )", text)
    head, blocks = parts[0], parts[1:]
    return head.rstrip() + "\n\n\n" + "\n".join(b.rstrip() + "\n\n" for b in reversed(blocks)).rstrip() + "\n"


def recommented(text: str) -> str:
    """Comments and docstrings removed, blank lines squeezed, new comments and one-line reflows added."""
    text = re.sub(r'^\s*"""[\s\S]*?"""\n', "", text, flags=re.MULTILINE)
    text = re.sub(r"[ \t]*#[^\n]*", "", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return re.sub(r"^def (\w+)\((.*)\):$", r"def \1(\2):  # my own version of \1", text, flags=re.MULTILINE)


def write(dest: Path, files: dict[str, str]) -> None:
    if dest.exists():
        shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
    if len(files) == 1 and dest.suffix == ".py":
        dest.write_text(next(iter(files.values())))
        return
    dest.mkdir(parents=True)
    for name, text in files.items():
        (dest / name).write_text(text)


def read(source: Path) -> dict[str, str]:
    if source.is_file():
        return {source.name: source.read_text()}
    return {p.name: p.read_text() for p in sorted(source.glob("*.py"))}


def plant(assignment: str, plan: dict[str, tuple[str, object]], suffix: str) -> None:
    honest, planted = HERE / assignment / "honest", HERE / assignment / "planted"
    planted.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for copy, (original, change) in plan.items():
        files = read(honest / (original + suffix))
        files = {name: change(text) if callable(change) else text for name, text in files.items()}
        write(planted / (copy + suffix), files)
        manifest[copy + suffix] = original + suffix
    (HERE / assignment / "planted.json").write_text(json.dumps(manifest, indent=2) + "\n")


def bug(old: str, new: str):
    def change(text: str) -> str:
        return text.replace(old, new, 1) if old in text else text
    return change


def main() -> None:
    plant("02_activations", {
        "verbatim": ("classes", None),
        "renamed": ("masks", lambda t: renamed(t, {"mask": "keep", "result": "res", "exps": "expo", "total": "denom",
                                                  "probs": "p_out", "weighted": "wsum", "sig": "sv", "pos": "positive",
                                                  "neg": "negative", "en": "exp_neg", "out": "y", "dx": "grad"})),
        "reordered": ("inplace", reordered),
        "recommented": ("einsum_moveaxis", recommented),
        "one_bug": ("piecewise", bug("np.log(np.sum(np.exp(x - top)", "np.log(np.sum(np.exp(x + top)")),
    }, ".py")
    plant("04_backprop", {
        "verbatim": ("staged", None),
        "renamed": ("axes", lambda t: renamed(t, {"mean": "mu", "variance": "var_", "x_norm": "xhat", "inv_sd": "istd",
                                                 "dvariance": "dvar", "dmean": "dmu", "gradient": "grad", "cache": "memo",
                                                 "squares": "sq_sum", "history": "hist", "rows": "idx", "acc": "running",
                                                 "perm": "order", "num": "n_samples", "ax": "axes_"})),
        "reordered": ("loops", reordered),
        "recommented": ("einsum", recommented),
        "one_bug": ("functional", bug("np.mean(g, axis=0) - zh", "np.mean(g, axis=0) + zh")),
    }, "")
    plant("07_optimizers", {
        "verbatim": ("closures", None),
        "renamed": ("defaults_table", lambda t: renamed(t, {"c": "cfg", "previous": "old_acc", "change": "upd",
                                                           "second": "v_eff", "corr1": "bc1", "corr2": "bc2",
                                                           "trajectory": "path", "current": "here", "new": "nxt",
                                                           "_zeros_unless": "_state_or_zeros",
                                                           "_with_defaults": "_fill_defaults"})),
        "reordered": ("classes", reordered),
        "recommented": ("ema_helpers", recommented),
        "one_bug": ("verbose_names", bug("(1.0 - second_decay) * dw ** 2", "(1.0 - second_decay) * dw")),
    }, ".py")


if __name__ == "__main__":
    main()
