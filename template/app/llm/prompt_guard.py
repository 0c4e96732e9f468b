"""A prompt-injection guard: text that tries to take over the model, found before it gets there.

It looks for the families of attack OWASP lists as LLM01: overriding the instructions, role
play as the system or an unrestricted persona, extracting the system prompt, smuggling chat
delimiters or special tokens, and hiding any of these in an encoding (base64, hex, ROT13,
invisible Unicode tag characters, look-alike letters). It is a filter of known patterns, not a
proof of safety: it catches the common attempts cheaply and says which family it saw, and the
service decides what to do (`PROMPT_GUARD=flag|block|off`).
"""

import base64
import binascii
import codecs
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from app.core.errors import ApiError
from app.core.metrics import Metrics

logger = logging.getLogger(__name__)


class Attack(StrEnum):
    INSTRUCTION_OVERRIDE = "instruction_override"
    ROLE_PLAY = "role_play"
    PROMPT_EXTRACTION = "prompt_extraction"
    DELIMITER_SMUGGLING = "delimiter_smuggling"
    ENCODED_PAYLOAD = "encoded_payload"


@dataclass(frozen=True, slots=True)
class Verdict:
    attacks: tuple[Attack, ...] = ()

    @property
    def flagged(self) -> bool:
        return bool(self.attacks)


CLEAN = Verdict()

_PREVIOUS = (
    r"(?:previous|prior|above|earlier|preceding|all|any|your|the|these|those|initial|original|"
    r"system|developer|safety)"
)
_INSTRUCTIONS = (
    r"(?:instructions?|prompts?|rules?|directions?|directives?|guidelines?|guardrails?|"
    r"constraints?|polic(?:y|ies)|programming|context)"
)

_PATTERNS: dict[Attack, list[re.Pattern[str]]] = {
    Attack.INSTRUCTION_OVERRIDE: [
        re.compile(
            rf"\b(?:ignore|disregard|forget|override|bypass|overrule|drop|abandon)\b"
            rf"[^.!?\n]{{0,40}}\b{_PREVIOUS}\b[^.!?\n]{{0,40}}\b{_INSTRUCTIONS}\b"
        ),
        re.compile(rf"\b(?:new|updated|real|actual|true)\s+{_INSTRUCTIONS}\s*:"),
        re.compile(r"\bfrom now on,? (?:you|ignore|disregard|respond|answer)\b"),
        re.compile(r"\b(?:do anything now|jailbreak(?:ed)?|developer mode|god mode)\b"),
        re.compile(r"\bno (?:longer )?(?:bound|restricted|limited) by (?:any |your )?\w*"),
    ],
    Attack.ROLE_PLAY: [
        re.compile(r"\byou are (?:now|no longer)\b"),
        re.compile(
            r"\b(?:act|pretend|behave|roleplay|role-play|respond|speak)\s+(?:as|like|to be)\s+"
            r"(?:if you (?:were|are) )?(?:the |an? |my )?"
            r"(?:system|developer|administrator|admin|root|unrestricted|unfiltered|"
            r"uncensored|jailbroken|evil|dan)\b"
        ),
        re.compile(r"(?:^|\n)\s*(?:system|developer)\s*(?:prompt|message)?\s*:", re.MULTILINE),
        re.compile(r"\bi am (?:your|the) (?:developer|creator|administrator|admin|system)\b"),
    ],
    Attack.PROMPT_EXTRACTION: [
        re.compile(
            r"\b(?:reveal|show|print|repeat|output|display|leak|tell me|give me|dump|spell out|"
            r"what (?:is|are|was|were)|write out|copy)\b[^.!?\n]{0,40}"
            r"\b(?:system|initial|original|hidden|secret|internal|developer|first)\b"
            rf"[^.!?\n]{{0,20}}\b(?:{_INSTRUCTIONS}|message|configuration|text)\b"
        ),
        re.compile(
            r"\b(?:repeat|print|output|echo)\b[^.!?\n]{0,30}\b(?:everything|all|the text|words)"
            r"\b[^.!?\n]{0,20}\b(?:above|before|so far)\b"
        ),
        re.compile(r"\bwhat (?:were|are) you (?:told|instructed|programmed)\b"),
    ],
    Attack.DELIMITER_SMUGGLING: [
        re.compile(
            r"<\|(?:im_start|im_end|endoftext|system|user|assistant|eot_id|start_header_id)\|>"
        ),
        re.compile(r"\[/?inst\]|<</?sys>>"),
        re.compile(r"(?:^|\n)\s*#{2,}\s*(?:system|instruction|new instructions?)\b", re.MULTILINE),
        re.compile(r"```\s*(?:system|instructions?)\b"),
        re.compile(r"</?(?:system|instructions?|admin)>"),
        re.compile(r"\b(?:end|begin) of (?:the )?(?:system )?(?:prompt|instructions?)\b"),
        re.compile(r"</(?:document|passage|context|user_input)>"),
    ],
}

# Words and marks at least one pattern needs: text with none of them is clean, and finding
# that out is one pass of C code, so ordinary messages, even long ones, cost little.
_TRIGGER_WORDS = frozenset(
    [
        "instruction",
        "instructions",
        "instructed",
        "instruct",
        "prompt",
        "prompts",
        "rule",
        "rules",
        "directive",
        "directives",
        "direction",
        "directions",
        "guideline",
        "guidelines",
        "guardrail",
        "guardrails",
        "constraint",
        "constraints",
        "policy",
        "policies",
        "programming",
        "programmed",
        "context",
        "jailbreak",
        "jailbroken",
        "jailbreaked",
        "developer",
        "god",
        "anything",
        "now",
        "longer",
        "act",
        "acting",
        "pretend",
        "behave",
        "roleplay",
        "role",
        "respond",
        "speak",
        "system",
        "told",
        "above",
        "before",
        "far",
        "bound",
        "restricted",
        "limited",
        "configuration",
        "end",
        "begin",
        "admin",
        "administrator",
        "creator",
    ]
)
_ROT13_TRIGGER_WORDS = frozenset(codecs.decode(word, "rot13") for word in _TRIGGER_WORDS)
_TRIGGER_MARKS = ("<|", "[inst]", "[/inst]", "<<sys>>", "<</sys>>", "##", "```", "</", "<system")
_SEPARATORS = str.maketrans({c: " " for c in "\t\n\r.,;:!?()[]{}<>\"'`*_#|/\\-=+~^"})
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff]")
_TAG_CHARACTERS = re.compile("[\U000e0000-\U000e007f]")
MIN_ENCODED_RUN = 24  # shorter runs hide too little to be worth decoding
_ENCODED_RUN = re.compile(rf"[A-Za-z0-9+/]{{{MIN_ENCODED_RUN},}}={{0,2}}")
_HEX = frozenset("0123456789abcdefABCDEF")
# Cyrillic and Greek letters that look Latin, and digits and signs that stand in for letters.
_LOOK_ALIKES = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456\u0458\u0501\u0455"
    "\u04bb\u051b\u051d\u03b1\u03b5\u03bf\u03c1\u03c4\u03c5\u03bd\u03ba"
    "013457@$",
    "aeopcxyijdshqwaeoptuvkoieastas",
)


def inspect(text: str) -> Verdict:
    """The attack families found in `text` (none: the `CLEAN` verdict)."""
    found: set[Attack] = set()
    plain = text.lower()
    if not text.isascii():
        if _TAG_CHARACTERS.search(text):
            found.add(Attack.ENCODED_PAYLOAD)  # invisible to people, read by models
        plain = _unmask(plain)
    if "  " in plain or "\t" in plain:
        plain = re.sub(r"[ \t]+", " ", plain)
    words = plain.translate(_SEPARATORS).split()
    found.update(_matches(plain, words))
    look_alike = plain.translate(_LOOK_ALIKES)
    if look_alike != plain:
        found.update(_matches(look_alike))
    if not found and _hides_an_attack(text, plain, words):
        found.add(Attack.ENCODED_PAYLOAD)
    if not found:
        return CLEAN
    return Verdict(tuple(attack for attack in Attack if attack in found))


def _unmask(text: str) -> str:
    """Compatibility forms folded, invisible characters dropped, tag characters spelled out."""
    text = unicodedata.normalize("NFKC", text)
    text = _TAG_CHARACTERS.sub(lambda m: chr(ord(m.group()) - 0xE0000), text)
    return _INVISIBLE.sub("", text)


def _matches(text: str, words: list[str] | None = None) -> set[Attack]:
    """The families whose patterns match; the patterns only run when a trigger is there."""
    if words is None:
        words = text.translate(_SEPARATORS).split()
    if _TRIGGER_WORDS.isdisjoint(words) and not any(mark in text for mark in _TRIGGER_MARKS):
        return set()
    return {
        attack for attack, patterns in _PATTERNS.items() if any(p.search(text) for p in patterns)
    }


def _hides_an_attack(text: str, plain: str, words: list[str]) -> bool:
    """An attack in ROT13, or in a base64 or hex run."""
    if not _ROT13_TRIGGER_WORDS.isdisjoint(words) and _matches(codecs.decode(plain, "rot13")):
        return True
    for token in text.split():
        if len(token) < MIN_ENCODED_RUN:
            continue
        for run in _ENCODED_RUN.findall(token):
            for decode in (_from_hex, _from_base64):
                decoded = decode(run)
                if decoded is not None and _matches(_unmask(decoded.lower())):
                    return True
    return False


def _from_base64(run: str) -> str | None:
    try:
        return base64.b64decode(run + "=" * (-len(run) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _from_hex(run: str) -> str | None:
    if len(run) % 2 or not _HEX.issuperset(run):
        return None
    try:
        return bytes.fromhex(run).decode("utf-8")
    except UnicodeDecodeError:
        return None


class PromptGuard:
    """What the service does with a verdict: nothing (`off`), mark the answer (`flag`), or
    refuse the request with a 400 that says why (`block`). Either way a detection is logged
    (without the text) and counted in /metrics."""

    def __init__(self, mode: Literal["flag", "block", "off"], metrics: Metrics) -> None:
        self.mode = mode
        self._detections = metrics.prompt_guard_detections

    def check(self, texts: Iterable[str], *, source: str) -> Verdict:
        """`source` says where the texts come from (a chat endpoint, retrieved passages)."""
        if self.mode == "off":
            return CLEAN
        found: set[Attack] = set()
        for text in texts:
            found.update(inspect(text).attacks)
        if not found:
            return CLEAN
        verdict = Verdict(tuple(attack for attack in Attack if attack in found))
        names = ", ".join(verdict.attacks)
        action = "blocked" if self.mode == "block" else "flagged"
        logger.warning("prompt guard %s %s in %s", action, names, source)
        for attack in verdict.attacks:
            self._detections.labels(attack.value, action).inc()
        if self.mode == "block":
            raise ApiError(
                400,
                f"This request looks like a prompt-injection attempt ({names.replace('_', ' ')})"
                "; rephrase it",
                detail=[{"type": "prompt_injection", "attacks": list(verdict.attacks)}],
            )
        return verdict

    def screen(
        self, texts: Sequence[str], *, source: str, action: str | None = None
    ) -> list[Verdict]:
        """Each text's own verdict, never refusing: for passages of documents, which are
        withheld from the model (`block`) or quoted with a warning (`flag`) one by one,
        where a request would be refused whole. `action` names what happens to them in the
        log and /metrics (by default: withheld or flagged, by the mode)."""
        if self.mode == "off":
            return [CLEAN] * len(texts)
        verdicts = [inspect(text) for text in texts]
        flagged = [verdict for verdict in verdicts if verdict.flagged]
        if flagged:
            done = action or ("withheld" if self.mode == "block" else "flagged")
            attacks = sorted({attack for verdict in flagged for attack in verdict.attacks})
            logger.warning(
                "prompt guard %s %d passage(s) with %s in %s",
                done,
                len(flagged),
                ", ".join(attacks),
                source,
            )
            for verdict in flagged:
                for attack in verdict.attacks:
                    self._detections.labels(attack.value, done).inc()
        return verdicts
