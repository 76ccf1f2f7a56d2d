"""How worked solutions write names, numbers and formulas, in Unicode text and in LaTeX.

Every piece of mathematics is a :class:`Math` pair ``(text, latex)``: the text renderer
prints ``.text`` (Unicode: ``δ_h = ∂C/∂h·relu'(z_h)``), the Markdown and LaTeX renderers
print ``.latex`` inside ``$...$``. Pieces concatenate with ``+`` so that a formula is written
once for both notations.

Glossary (code name → printed symbol): ``a_prev`` a⁽ˡ⁻¹⁾, ``z`` z, ``a`` a, ``delta`` δ,
``W`` W, ``b`` b, ``grad_W`` ∂C/∂W, ``lr`` η, ``beta1``/``beta2`` β₁/β₂, ``eps`` ε, ``t`` t,
``m``/``v`` m/v, ``m_hat``/``v_hat`` m̂/v̂, ``alpha`` (RMSprop decay) α, ``momentum`` μ,
``dampening`` τ, ``l2`` λ, ``l1`` λ₁, ``rate`` dropout rate, ``keep_prob`` p.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MINUS = "\u2212"
_SUPERSCRIPTS = str.maketrans("0123456789-+()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
]
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


@dataclass(frozen=True)
class Math:
    """One formula fragment in both notations."""

    text: str
    latex: str

    def __add__(self, other: Math | str) -> Math:
        other = as_math(other)
        return Math(self.text + other.text, self.latex + other.latex)

    def __radd__(self, other: str) -> Math:
        return as_math(other) + self


def as_math(part: Math | str) -> Math:
    """A plain string is the same in both notations (digits, brackets, +, =)."""
    return part if isinstance(part, Math) else Math(part, part)


def cat(*parts: Math | str) -> Math:
    out = Math("", "")
    for p in parts:
        out = out + p
    return out


def join(parts: Iterable[Math | str], sep: Math | str) -> Math:
    out: Math | None = None
    for p in parts:
        out = as_math(p) if out is None else out + sep + p
    return out if out is not None else Math("", "")


def sup_text(s: str) -> str:
    """Unicode superscript of digits and signs (``(1)`` → ``⁽¹⁾``)."""
    return s.translate(_SUPERSCRIPTS)


def sub_text(s: str) -> str:
    return s.translate(_SUBSCRIPTS)


_LATEX_UNICODE = {
    "−": "$-$",
    "·": r"$\cdot$",
    "×": r"$\times$",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "→": r"$\to$",
    "←": r"$\leftarrow$",
    "‖": r"$\|$",
    "⊙": r"$\odot$",
    "∂": r"$\partial$",
    "Σ": r"$\Sigma$",
    "½": r"$\frac{1}{2}$",
    "ₛ": "$_s$",
    "—": "---",
    "–": "--",
    "…": r"\dots{}",
    "’": "'",
    "“": "``",
    "”": "''",
    "ã": r"\~a",
    "ŷ": r"$\hat y$",
    "√": r"$\surd$",
    "δ": r"$\delta$",
    "θ": r"$\theta$",
    "σ": r"$\sigma$",
    "η": r"$\eta$",
    "λ": r"$\lambda$",
    "μ": r"$\mu$",
    "ε": r"$\varepsilon$",
    "α": r"$\alpha$",
    "β": r"$\beta$",
    "τ": r"$\tau$",
    "ρ": r"$\rho$",
    "γ": r"$\gamma$",
    "ᵗ": "$^t$",
    "²": "$^2$",
    "₁": "$_1$",
    "₂": "$_2$",
    "≡": r"$\equiv$",
    "ᵀ": "$^T$",
    "ᵏ": "$^k$",
    "⁻": "$^-$",
    **{c: f"$^{d}$" for c, d in zip("⁰¹³⁴⁵⁶⁷⁸⁹", "013456789", strict=True)},
    **{c: f"$_{d}$" for c, d in zip("₀₃₄₅₆₇₈₉", "03456789", strict=True)},
    "✓": r"$\checkmark$",
    "✗": r"$\times$",
}


_COMBINING = {"\u0302": "hat", "\u0303": "tilde", "\u0304": "bar"}


def latex_escape(s: str) -> str:
    """Escape LaTeX's special characters in running text (and spell common Unicode symbols)."""
    out: list[str] = []
    for c in s:
        if c in _COMBINING and out:  # m̂ → $\hat{m}$
            out[-1] = rf"$\{_COMBINING[c]}{{{out[-1].strip('$')}}}$"
        elif c in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[c])
        elif c in _LATEX_UNICODE:
            out.append(_LATEX_UNICODE[c])
        elif ord(c) < 128 or 0xC0 <= ord(c) <= 0xFF:  # ASCII and Latin-1 letters (é, ü)
            out.append(c)
        else:
            out.append("?")  # pdflatex without extra packages cannot typeset it
    return "".join(out)


# ---------------------------------------------------------------------------- operators
DOT = Math("·", r" \cdot ")
PLUS = Math(" + ", " + ")
MINUS_OP = Math(f" {MINUS} ", " - ")


def _wrapped(text: str) -> bool:
    """True if ``text`` is one parenthesised group, like ``(−1.15)``."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def paren(x: Math | str) -> Math:
    x = as_math(x)
    if _wrapped(x.text):
        return x
    return cat(Math("(", r"\left("), x, Math(")", r"\right)"))


def frac(a: Math | str, b: Math | str) -> Math:
    a, b = as_math(a), as_math(b)
    ta = a.text if _atomic(a.text) else f"({a.text})"
    tb = b.text if _atomic(b.text) else f"({b.text})"
    return Math(f"{ta}/{tb}", rf"\frac{{{a.latex}}}{{{b.latex}}}")


def sqrt(a: Math | str) -> Math:
    a = as_math(a)
    t = f"√{a.text}" if _atomic(a.text) else f"√({a.text})"
    return Math(t, rf"\sqrt{{{a.latex}}}")


def func(name: str, arg: Math | str, latex_name: str | None = None) -> Math:
    """``name(arg)``, e.g. ``relu(z_h)``; ``latex_name`` defaults to ``\\operatorname{name}``."""
    ln = latex_name if latex_name is not None else rf"\operatorname{{{latex_escape(name)}}}"
    arg = paren(arg)
    return Math(f"{name}{arg.text}", f"{ln}{arg.latex}")


def _atomic(text: str) -> bool:
    depth = 0
    for c in text:
        depth += c in "([{"
        depth -= c in ")]}"
        if depth == 0 and c in " +−-·/":
            return False
    return True


# ---------------------------------------------------------------------------- names
_TEXTBOOK_W = re.compile(r"([A-Za-z]+)(\d+)\[(\d+),(\d+)\]")
_TEXTBOOK_B = re.compile(r"([A-Za-z]+)(\d+)\[(\d+)\]")
_LETTERS_DIGITS = re.compile(r"([A-Za-z]+)_?(\d+)")
_LAYER_UNIT = re.compile(r"([A-Za-z]+)(\d+)_(\d+)")
_BASE_SUB = re.compile(r"([A-Za-z]+)_(\w+)")


def _latex_base(word: str) -> str:
    if word in _GREEK:
        return "\\" + word
    if len(word) == 1:
        return word
    return rf"\mathrm{{{latex_escape(word)}}}"


def name_latex(name: str) -> str:
    """LaTeX of a parameter or unit name: ``w1`` → ``w_{1}``, ``W1[1,2]`` → ``W^{(1)}_{12}``."""
    m = _TEXTBOOK_W.fullmatch(name)
    if m:
        base, l, j, k = m.groups()
        sep = "," if max(len(j), len(k)) > 1 else ""
        return f"{_latex_base(base)}^{{({l})}}_{{{j}{sep}{k}}}"
    m = _TEXTBOOK_B.fullmatch(name)
    if m:
        base, l, j = m.groups()
        return f"{_latex_base(base)}^{{({l})}}_{{{j}}}"
    m = _LAYER_UNIT.fullmatch(name)
    if m:
        base, l, j = m.groups()
        return f"{_latex_base(base)}^{{({l})}}_{{{j}}}"
    m = _LETTERS_DIGITS.fullmatch(name)
    if m:
        return f"{_latex_base(m.group(1))}_{{{m.group(2)}}}"
    m = _BASE_SUB.fullmatch(name)
    if m:
        return f"{_latex_base(m.group(1))}_{{{latex_escape(m.group(2))}}}"
    if re.fullmatch(r"[A-Za-z]+", name):
        return _latex_base(name)
    return rf"\mathrm{{{latex_escape(name)}}}"


def sym(name: str) -> Math:
    """A parameter or unit name as printed: unchanged in text (what students type)."""
    return Math(name, name_latex(name))


def tilde(name: str) -> Math:
    """The output of a unit after dropout: h̃ (text, combining tilde on the first letter)."""
    return Math(name[0] + "\u0303" + name[1:], rf"\tilde{{{name_latex(name)}}}")


def indexed(base: str, latex_base: str, index: str) -> Math:
    """``z_h`` / ``z_{h}``: a quantity of one unit."""
    return Math(f"{base}_{index}", f"{latex_base}_{{{name_latex(index)}}}")


def z_of(unit: str) -> Math:
    return indexed("z", "z", unit)


def delta_of(unit: str) -> Math:
    return indexed("δ", r"\delta", unit)


def partial(of: Math | str, wrt: Math | str) -> Math:
    """``∂C/∂w1`` / ``\\frac{\\partial C}{\\partial w_{1}}``."""
    of, wrt = as_math(of), as_math(wrt)
    return Math(f"∂{of.text}/∂{wrt.text}", rf"\frac{{\partial {of.latex}}}{{\partial {wrt.latex}}}")


def layer_sup(x: str, latex_x: str, l: int | str) -> Math:
    """``W⁽²⁾`` / ``W^{(2)}``: a quantity of layer l."""
    return Math(f"{x}{sup_text(f'({l})')}", f"{latex_x}^{{({l})}}")


_ACCENTS = ("\\tilde", "\\hat", "\\bar")


def sup_latex(base: str, script: str) -> str:
    """``{base}^{script}``: braces keep an existing superscript of ``base`` from doubling; a
    base holding an accent (TeX unwraps a group that is a single accent) also gets ``{}``."""
    if "^" in base and any(a in base for a in _ACCENTS):
        return f"{{{base}}}{{}}^{{{script}}}"
    return f"{{{base}}}^{{{script}}}"


def squared(x: Math) -> Math:
    """``x²``."""
    return Math(f"{x.text}²", sup_latex(x.latex, "2"))


def transpose(x: Math) -> Math:
    """``Wᵀ``."""
    return Math(f"{x.text}ᵀ", sup_latex(x.latex, "\\top"))


NEG = Math("−", "-")
C = Math("C", "C")


def c_sample(s: int) -> Math:
    return Math(f"C{sub_text(str(s))}", f"C_{{{s}}}")


GREEK_TEXT = {
    "lr": Math("η", r"\eta"),
    "beta": Math("β", r"\beta"),
    "beta1": Math("β₁", r"\beta_1"),
    "beta2": Math("β₂", r"\beta_2"),
    "eps": Math("ε", r"\varepsilon"),
    "alpha": Math("α", r"\alpha"),
    "momentum": Math("μ", r"\mu"),
    "dampening": Math("τ", r"\tau"),
    "l2": Math("λ", r"\lambda"),
    "l1": Math("λ₁", r"\lambda_1"),
    "weight_decay": Math("λ", r"\lambda"),
    "m": Math("m", "m"),
    "v": Math("v", "v"),
    "m_hat": Math("m̂", r"\hat{m}"),
    "v_hat": Math("v̂", r"\hat{v}"),
    "v_max": Math("v_max", r"v_{\max}"),
    "g_avg": Math("ḡ", r"\bar{g}"),
    "buffer": Math("b", r"\mathrm{buf}"),
}


def symbol(code_name: str) -> Math:
    """The printed symbol of a hyperparameter or optimizer state (see the glossary)."""
    return GREEK_TEXT.get(code_name, Math(code_name, rf"\mathrm{{{latex_escape(code_name)}}}"))
