"""Grade the module's quiz: two fill-in-the-blanks and two true-or-false questions.

The quiz notebook asks learners to write each answer as a Python literal:

``Q1_OUTPUT_TYPES`` : str
    "Three commonly saved data output types include ___."
``Q2_FORMAT_PROPERTY`` : str
    "To safely re-open your data or open it in different software, you need to
    save in an ___ file format."
``Q3_JPEG_FOR_LABEL_MASKS`` : bool
    True or false: "Label masks should be saved in JPEG format."
``Q4_TAB_DELIMITED_FOR_TABLES`` : bool
    True or false: "Tab-delimited text is a decent output format for results
    tables."

Typed answers are matched tolerantly. Each item is normalised by
:func:`normalise_answer`: case, accents, spaces, punctuation, articles and
filler words ("a", "the", "of", "file", "data"), text in brackets and the plural
``-s`` of each word are ignored. The first blank's answer is split into items at
commas, semicolons, slashes, "&", "+", new lines, numbering such as ``1)`` and
the word "and" (a list or tuple of strings works too); the order of the items
does not matter, and several synonyms are accepted for each expected term.
True-or-false answers accept ``True``/``False``, 1/0 and strings such as
"true", "F", "yes" or "no".

The accepted answers are not stored in plain text: the package holds only salted
PBKDF2-SHA256 digests of normalised answers (see :func:`answer_digest`), so that
reading the installed package does not show them at a glance. This is a best
effort only: the salt is public, and anyone can test guesses against the
digests. To accept a new synonym, add ``answer_digest(text, question=...)`` to
the question's table below; the plain answers, with the reasons, live in the
quiz's solution notebook and in ``tests/grading/test_grading_quiz.py``.

Feedback says which part of an answer is wrong or missing (for example "You
named 2 of the 3 output types."), never the expected answer.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import numpy as np

from outputsaving import monitor
from outputsaving.findings import CheckResult
from outputsaving.grading.common import assert_passes

__all__ = [
    "ITEM_SEPARATORS",
    "QUESTION_NAMES",
    "answer_digest",
    "answer_form_result",
    "check_format_property",
    "check_output_types",
    "check_true_false",
    "grade_format_property",
    "grade_output_types",
    "grade_true_false",
    "normalise_answer",
    "parse_true_false",
    "split_items",
]

#: Where the first blank's answer is split into items.
ITEM_SEPARATORS = re.compile(r"[,;/&+\n]|\band\b|(?:^|\s)\d+[.)]", re.IGNORECASE)

#: Words that carry no meaning for matching ("the", "file", ...).
_FILLER_WORDS = frozenset({"a", "an", "the", "of", "some", "file", "data", "format"})

_SALT = b"outputsaving-quiz-2026:"
_ITERATIONS = 20_000
_DIGEST_CHARS = 24

_TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "correct", "right"})
_FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "incorrect", "wrong"})

#: The answer variable of each question.
QUESTION_NAMES = {
    "q1": "Q1_OUTPUT_TYPES",
    "q2": "Q2_FORMAT_PROPERTY",
    "q3": "Q3_JPEG_FOR_LABEL_MASKS",
    "q4": "Q4_TAB_DELIMITED_FOR_TABLES",
}
_STATEMENTS = {
    "q3": "Label masks should be saved in JPEG format.",
    "q4": "Tab-delimited text is a decent output format for results tables.",
}
_HINTS = {
    "q3": "what lossy compression does to the exact value of every pixel",
    "q4": "which programs can read a plain text table, and what could go wrong "
    "with other delimiters",
}

#: Number of output types the first blank asks for.
_TYPE_COUNT = 3
#: Digest -> output type (0, 1 or 2) for the first blank.
_OUTPUT_TYPES = {
    "cd84f796afd0488b73f42734": 0,
    "1c89acf7700d22e038f68532": 0,
    "06ff26ff0cead70e1ab63363": 0,
    "acc4a4745274f25e77a9bd38": 0,
    "efaf894c7fd186d448edba0f": 0,
    "e38568d3b221486dd14acff1": 0,
    "ead256ee753045a79022d102": 0,
    "214d51eaf05775e8314e6605": 0,
    "d7f1adf468b0efa4bdef0d10": 0,
    "496d9606b8f657600be9e916": 0,
    "85a922184d29570b3e633103": 0,
    "0151dfd7216b1b0c5928cec9": 0,
    "5bca3169dac138326a8d73f1": 0,
    "ae056ffbb5f815fe4880102b": 0,
    "42a82480078734ab7339ab9c": 0,
    "1867560043218ab5d41ba9ad": 0,
    "ef0137dbdc06b72014c866f4": 1,
    "188cfcf7ea61394f91e2374f": 1,
    "7c809ac7a073996f9edb230f": 1,
    "09e68525e3aaba9cf54a4d78": 1,
    "4518af52889b8e6083573cf8": 1,
    "3f0f3b8f24e816f838dcce86": 1,
    "b59dd348d24806af3cbd525f": 1,
    "bdda3c2faa7b1d46858eeefd": 1,
    "71183c863ab41e427452f722": 1,
    "742f973fc523d505bd8b1e6d": 1,
    "99f272836421aa8936749cab": 1,
    "081b29d163aa13f606d0c73d": 1,
    "1981cc0255f046c4efc4a81e": 1,
    "de3a4d9ad49d758d46ee0ec5": 1,
    "f9dc9648a00ab933c6bb4cbc": 1,
    "ff8a5fd8315b49c6f0753adb": 1,
    "e8e662c8d8866605d3a69852": 1,
    "2654c9f132ed1ec8b5d5f62c": 2,
    "27ef0888495ee81e764ffd68": 2,
    "9a614aea3848e8ea94b4a86c": 2,
    "876b2869399e8397a6336921": 2,
    "9937974afaf74ea9b04b0239": 2,
    "da44e5f759f6715e43ccb6ed": 2,
    "b32328812bc10ff9f6a74624": 2,
    "d66a5068344db75acb185a27": 2,
    "a46f2e922810b94ff877d68f": 2,
    "04af4791fa39250117f4d344": 2,
    "7f91710347d47745ca4e9d2f": 2,
    "b8f2bc780ad46d57662d3bfe": 2,
    "c2b2c84cf98ccfb8123111d8": 2,
    "e8da8a475c5c38cce4c02475": 2,
    "37b4915a40d913925e9392f7": 2,
    "128135ef3040d638d7cd8d24": 2,
    "95f60e6ae393887dc2b80715": 2,
    "26149ab47d70892c5aa8f7c9": 2,
    "000a45670299ace6b9560a98": 2,
    "6dec6515b67701293ed9ba7e": 2,
}
#: Digests of the fourth output the course teaches (the settings, or the
#: script that holds them): naming it beside the three costs nothing.
_SETTINGS_OUTPUTS = frozenset(
    {
        "0041aa186df85e30b38e02b2",
        "17cad3082e5685d683a8a2d9",
        "3eb3dccd4872283c862a7a7f",
        "72cbd63d34206c15bd3ad62f",
        "7d72620fe2c020a3c31e19bf",
        "81aff5e97fa50d8045f943da",
        "a4662fe7c8563fab24c9f2b8",
        "c9752a2e6a77d43a7ccb53e3",
        "e8aa805b1caa70acf25d9c35",
        "fe86f59701ee086a18306e30",
    }
)
#: Digest -> hint code for wrong items of the first blank.
_OUTPUT_TYPE_HINTS = {
    "f2ed53f26b1a2ab4495db619": "quiz.types_input",
    "142568f5ecfbe30276bb706d": "quiz.types_input",
    "5ea910beb369c9a0ea9f4c93": "quiz.types_input",
    "2f1b7f3d306a03025a7496d9": "quiz.types_input",
    "2c18ed1d0abc88f82fd1d5ca": "quiz.types_input",
    "c2fdb76e8b1ca95e3aa2ae4b": "quiz.types_input",
    "3443642f045c8a66e75f53a4": "quiz.types_input",
    "4943042d50fc9e227f8570bd": "quiz.types_input",
    "134aaff2d0c34972f79c519f": "quiz.types_format",
    "6f41551641f6100a240a6b2f": "quiz.types_format",
    "75bf8a96d66b8f8fb47b32b8": "quiz.types_format",
    "6f57abbaa4dd708ea402cc9b": "quiz.types_format",
    "6dd62d8769bdad9f7aa65b68": "quiz.types_format",
    "c8ef04c77f32157d3d644a05": "quiz.types_format",
    "9a46e228a32bcb8027860c6b": "quiz.types_format",
    "061ae6cb33ee399b6f5187c0": "quiz.types_format",
    "8fbc76d086ffe8a444fd9c6c": "quiz.types_format",
    "d2e0579729058df165c132be": "quiz.types_format",
    "1a59e3d8daa0d00fb6abe5a9": "quiz.types_format",
}
#: Digests accepted for the second blank.
_FORMAT_PROPERTY = frozenset(
    {
        "bd9858e6115d1a450a0813e4",
        "0e8699210f06090c63190156",
        "b653d70719b40048a116b209",
        "a0ff4ac7c8a1c06c67420985",
        "3905be1c682db9ad84b335f0",
        "6cf9318b9ceaf8552f2ea3d4",
        "695118ff49024df653d3748b",
        "c1d342aeba167716364826f6",
        "a617cc169fb30767cf0a2be9",
        "d1a2293d818ca31ec333b0ff",
        "5467976c50c3238145a8309e",
        "58ec62bc8855d48708009c8a",
        "0225340c36b2aa61f73126b7",
        "1535280df1940df383635b3f",
        "f93fc4c88f24c7681b52c1d9",
        "eb4e765b889a566f8b84ad56",
        "d8a6be4873033ef1e5f71eac",
        "45a48f5fe85f24ec3f767448",
        "3a5b17a879db320055d246f8",
    }
)
#: Digest -> hint code for wrong answers to the second blank.
_FORMAT_PROPERTY_HINTS = {
    "c1c4b442fdef47546ba4e840": "quiz.format_named_format",
    "af5a775e297ab55be33d953e": "quiz.format_named_format",
    "5a83599898839154e2982857": "quiz.format_named_format",
    "26cadb91c7b965948a9827ff": "quiz.format_named_format",
    "63c014ce3017d33114a841a1": "quiz.format_named_format",
    "e44980cb7fe4a7e1cf4fe195": "quiz.format_named_format",
    "e0a36484201465d57f65658d": "quiz.format_named_format",
    "36e9eb3ee2552880a94e3875": "quiz.format_named_format",
    "17d5b6944e414d66cd4276c9": "quiz.format_named_format",
    "0fdf90d69985da4b525eaf5a": "quiz.format_named_format",
    "ed71603859e9063a499f0327": "quiz.format_named_format",
    "194ebbfa0501860f03211d59": "quiz.format_named_format",
    "89d9a6cde543bf7b71002899": "quiz.format_named_format",
    "759a557f72cb16eda17033f5": "quiz.format_named_format",
    "92f45ba312aed20cd83754f4": "quiz.format_named_format",
    "db9803b9e53dbd6e6a8d4f38": "quiz.format_named_format",
    "4c027c19a37d4bd880b287b3": "quiz.format_named_format",
    "69407f76a6316cc3873d6e80": "quiz.format_lossless",
    "df2f9a22fabe849f3b6c0c5b": "quiz.format_lossless",
    "22241f51cbd15e538668bd48": "quiz.format_lossless",
    "41accec1bfacbfe902e40621": "quiz.format_lossless",
    "f46798de7fa066f7be5ecd46": "quiz.format_lossless",
    "b5eb45cd0ea3823af9f13ad7": "quiz.format_lossless",
    "4f58de890b0e72e3207cf072": "quiz.format_lossless",
}
#: Digest of the expected answer for each true-or-false question.
_TRUE_FALSE = {
    "q3": "3dc9c5bb944c6ba40642c2fc",
    "q4": "364bedbb9b99649353f93103",
}


def normalise_answer(text: str, /) -> str:
    """Return a typed answer reduced to what matters for matching.

    Parameters
    ----------
    text : str
        One item of an answer, such as ``"the Pear-Trees (old)"``.

    Returns
    -------
    str
        Lower-case letters and digits only (words in CamelCase split), accents
        removed, text in brackets,
        filler words and each word's plural ``-s`` dropped, words joined
        without spaces (so ``"pear trees"`` and ``"PearTree"`` agree):
        ``"peartree"``. Empty when nothing is left.
    """
    text = str.__str__(text) if isinstance(text, str) else str(text)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2,})", " ", text)
    text = unicodedata.normalize("NFKD", text).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    text = re.sub(r"['’`.]", "", text)
    words = [_singular(word) for word in re.sub(r"[^a-z0-9]+", " ", text).split()]
    return "".join([word for word in words if word not in _FILLER_WORDS] or words)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=4096)
def answer_digest(text: str, /, *, question: str) -> str:
    """Return the salted digest of a normalised answer to one question.

    Parameters
    ----------
    text : str
        A typed answer (one item for the first blank); it is normalised with
        :func:`normalise_answer` first.
    question : {"q1", "q2", "q3", "q4"}
        The question: the same text gives a different digest per question.

    Returns
    -------
    str
        Hexadecimal digits of PBKDF2-SHA256 over the normalised text.
    """
    if question not in QUESTION_NAMES:
        msg = f"expected one of {', '.join(QUESTION_NAMES)} but got {question!r}"
        raise ValueError(msg)
    salt = _SALT + question.encode()
    key = normalise_answer(text).encode()
    digest = hashlib.pbkdf2_hmac("sha256", key, salt, _ITERATIONS)
    return digest.hex()[:_DIGEST_CHARS]


def split_items(answer, /) -> list[str]:
    """Split the first blank's answer into its items.

    Parameters
    ----------
    answer : str or sequence of str
        Such as ``"apples, pears and plums"``.

    Returns
    -------
    list of str
        The non-empty items, stripped, in the order written.
    """
    if isinstance(answer, str):
        parts = ITEM_SEPARATORS.split(answer)
    else:
        parts = [str(part) for part in answer]
    return [part.strip() for part in parts if normalise_answer(part)]


def parse_true_false(answer, /) -> bool | None:
    """Return the boolean a true-or-false answer means, or None if unclear.

    Parameters
    ----------
    answer : bool, int or str
        ``True``/``False`` (also NumPy booleans), 1/0, or a string such as
        ``"True"``, ``"f"``, ``"yes"`` or ``"No."``.

    Returns
    -------
    bool or None
    """
    if isinstance(answer, bool | np.bool_):
        return bool(answer)
    if isinstance(answer, int | np.integer) and answer in (0, 1):
        return bool(answer)
    if isinstance(answer, str):
        word = re.sub(r"[^a-z0-9]", "", answer.casefold())
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


def _describe(answer) -> str:
    """What the learner's value is, in words: its own text, never its methods'."""
    if answer is None:
        return "None"
    if answer is Ellipsis:
        return "the placeholder ..."
    if isinstance(answer, str):
        text = str.__str__(answer)
        if type(answer) is str:
            return f'the text "{text}"'
        return f'the text "{text}" of type {type(answer).__name__}'
    return f"{type(answer).__name__} {answer!r}"


def _is_text_list(answer) -> bool:
    return isinstance(answer, list | tuple | set) and all(
        isinstance(item, str) for item in answer
    )


def _check_text(result: CheckResult, answer, question: str, *, lists: bool) -> bool:
    """Add a finding and return False when ``answer`` is not usable text."""
    name = QUESTION_NAMES[question]
    if answer is None:
        result.add("quiz.not_answered", name=name)
        return False
    if answer is Ellipsis:
        result.add("quiz.empty", name=name, found=_describe(answer))
        return False
    if not (isinstance(answer, str) or (lists and _is_text_list(answer))):
        result.add("quiz.not_text", name=name, found=_describe(answer))
        return False
    if not (split_items(answer) if lists else normalise_answer(answer)):
        result.add("quiz.empty", name=name, found=_describe(answer))
        return False
    return True


def check_output_types(answer, /) -> CheckResult:
    """Check the first blank: the three commonly saved output types.

    Parameters
    ----------
    answer : str or sequence of str
        The learner's ``Q1_OUTPUT_TYPES``.

    Returns
    -------
    CheckResult
        Kind ``"quiz"``; passes when all three types are named and nothing
        else but, perhaps, the settings (the fourth output the course teaches:
        a note, not an error). Its ``content`` is the number of different
        right types named.
    """
    result = CheckResult(kind="quiz", path=QUESTION_NAMES["q1"], content=0)
    if not _check_text(result, answer, "q1", lists=True):
        return result
    named: dict[int, str] = {}
    for item in split_items(answer):
        digest = answer_digest(item, question="q1")
        kind = _OUTPUT_TYPES.get(digest)
        if kind is None and digest in _SETTINGS_OUTPUTS:
            result.add("quiz.types_settings", item=item)
        elif kind is None:
            hint = _OUTPUT_TYPE_HINTS.get(digest, "quiz.types_unknown")
            result.add(hint, item=item)
        elif kind in named:
            result.add("quiz.types_repeated", first=named[kind], second=item)
        else:
            named[kind] = item
    result.content = len(named)
    if len(named) < _TYPE_COUNT:
        result.add("quiz.types_count", found=len(named), expected=_TYPE_COUNT)
    return result


def check_format_property(answer, /) -> CheckResult:
    """Check the second blank: the kind of file format that is safe to re-open.

    Parameters
    ----------
    answer : str
        The learner's ``Q2_FORMAT_PROPERTY``.

    Returns
    -------
    CheckResult
        Kind ``"quiz"``; passes for the expected word or an accepted synonym.
    """
    result = CheckResult(kind="quiz", path=QUESTION_NAMES["q2"])
    if not _check_text(result, answer, "q2", lists=False):
        return result
    digest = answer_digest(answer, question="q2")
    if digest not in _FORMAT_PROPERTY:
        hint = _FORMAT_PROPERTY_HINTS.get(digest, "quiz.format_wrong")
        result.add(hint, found=answer.strip())
    return result


def check_true_false(answer, /, *, question: str) -> CheckResult:
    """Check the answer to a true-or-false question.

    Parameters
    ----------
    answer : bool or str
        The learner's answer, read by :func:`parse_true_false`.
    question : {"q3", "q4"}
        Which statement is answered.

    Returns
    -------
    CheckResult
        Kind ``"quiz"``; passes when the answer is the expected one.
    """
    if question not in _TRUE_FALSE:
        msg = f"expected one of {', '.join(_TRUE_FALSE)} but got {question!r}"
        raise ValueError(msg)
    name = QUESTION_NAMES[question]
    result = CheckResult(kind="quiz", path=name)
    if answer is None:
        result.add("quiz.not_answered", name=name)
        return result
    value = parse_true_false(answer)
    if value is None:
        result.add("quiz.not_true_false", name=name, found=_describe(answer))
        return result
    if answer_digest(str(value), question=question) != _TRUE_FALSE[question]:
        result.add(
            "quiz.statement_wrong",
            statement=_STATEMENTS[question],
            hint=_HINTS[question],
        )
    return result


def answer_form_result(answer, /, *, question: str) -> CheckResult:
    """Check only the form of an answer, for the self-check cells.

    The first blank needs text (or a list of texts) naming three items, the
    second non-empty text, the true-or-false questions something
    :func:`parse_true_false` understands. Nothing is said about whether the
    answer is right.

    Parameters
    ----------
    answer : object
        The learner's answer variable.
    question : {"q1", "q2", "q3", "q4"}
        Which question it answers.

    Returns
    -------
    CheckResult
        Kind ``"quiz"``; passes when the answer can be graded.
    """
    if question not in QUESTION_NAMES:
        msg = f"expected one of {', '.join(QUESTION_NAMES)} but got {question!r}"
        raise ValueError(msg)
    name = QUESTION_NAMES[question]
    result = CheckResult(kind="quiz", path=name)
    if question in _TRUE_FALSE:
        if answer is None:
            result.add("quiz.not_answered", name=name)
        elif parse_true_false(answer) is None:
            result.add("quiz.not_true_false", name=name, found=_describe(answer))
        return result
    lists = question == "q1"
    if _check_text(result, answer, question, lists=lists) and lists:
        count = len(split_items(answer))
        if count != _TYPE_COUNT:
            result.add("quiz.items_count", found=count, expected=_TYPE_COUNT)
    return result


def grade_output_types(answer, /, *, at_least: int) -> None:
    """Pass when at least ``at_least`` right output types are named.

    With ``at_least=3`` the answer must also name nothing else, so each of
    the question's three test cells gives one point per right type.

    Raises
    ------
    AssertionError
        With feedback for the learner.
    """
    __tracebackhide__ = True
    if not 1 <= at_least <= _TYPE_COUNT:
        msg = f"expected at_least from 1 to {_TYPE_COUNT} but got {at_least}"
        raise ValueError(msg)
    result = check_output_types(answer)
    if at_least == _TYPE_COUNT or result.content < at_least:
        assert_passes(result)


def grade_format_property(answer, /) -> None:
    """Pass when the second blank is answered right; else raise AssertionError."""
    __tracebackhide__ = True
    assert_passes(check_format_property(answer))


def grade_true_false(answer, /, *, question: str) -> None:
    """Pass when a true-or-false question is answered right; else AssertionError."""
    __tracebackhide__ = True
    assert_passes(check_true_false(answer, question=question))


monitor.watch(__name__)
