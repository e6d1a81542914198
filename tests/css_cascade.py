"""Just enough of the CSS cascade to read what a page's inline style sheet makes of an element:
rules of type, class and descendant selectors (pseudo-elements apart), `@media print`,
`@page`, inline `style` attributes, specificity, `!important` and inheritance."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

INHERITED = {
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-align",
    "text-indent",
    "line-height",
    "color",
    "white-space",
}


@dataclass(frozen=True)
class Rule:
    selector: str  # one selector of a comma list
    declarations: dict[str, str]
    media: str  # "" for every medium, else the @media query
    order: int

    @property
    def pseudo(self) -> str:
        return self.selector.partition("::")[2]

    @property
    def specificity(self) -> tuple[int, int, int]:
        base = self.selector.partition("::")[0]
        ids = base.count("#")
        classes = len(re.findall(r"\.[\w-]+|\[[^\]]*\]|:[\w-]+", base))
        tags = len(re.findall(r"(?:^|[\s>+~])([a-zA-Z][\w-]*)", base))
        return ids, classes, tags


def declarations(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


@dataclass
class StyleSheet:
    rules: list[Rule]
    pages: dict[str, dict[str, str]]  # "@page" rules by page name ("" for the default)

    @classmethod
    def parse(cls, css: str) -> StyleSheet:
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        sheet = cls([], {})
        sheet._parse(css, "")
        return sheet

    def _parse(self, css: str, media: str) -> None:
        position = 0
        while True:
            opening = css.find("{", position)
            if opening < 0:
                return
            prelude = css[position:opening].strip()
            depth, index = 1, opening + 1
            while depth:
                depth += {"{": 1, "}": -1}.get(css[index], 0)
                index += 1
            body = css[opening + 1 : index - 1]
            position = index
            if prelude.startswith("@media"):
                self._parse(body, prelude.removeprefix("@media").strip())
            elif prelude.startswith("@page"):
                name = prelude.removeprefix("@page").strip()
                self.pages.setdefault(name, {}).update(declarations(body))
            else:
                for selector in prelude.split(","):
                    rule = Rule(" ".join(selector.split()), declarations(body), media, 0)
                    self.rules.append(
                        Rule(rule.selector, rule.declarations, media, len(self.rules))
                    )

    def value(
        self, element: Any, prop: str, *, media: str = "screen", pseudo: str = ""
    ) -> str | None:
        """The value `prop` takes on `element` (or its ::`pseudo`), inherited where CSS
        inherits it; None when nothing sets it."""
        best: tuple[tuple[int, ...], str] | None = None
        for rule in self.rules:
            if rule.pseudo != pseudo or prop not in rule.declarations:
                continue
            if rule.media and rule.media != media:
                continue
            if not matches(rule.selector.partition("::")[0], element):
                continue
            raw = rule.declarations[prop]
            important = raw.endswith("!important")
            key = (int(important), 0, *rule.specificity, rule.order)
            if best is None or key > best[0]:
                best = (key, raw.removesuffix("!important").strip())
        inline = declarations(element.get("style") or "") if not pseudo else {}
        if prop in inline and (best is None or best[0][0] == 0):
            return inline[prop]
        if best is not None:
            return best[1]
        parent = element.getparent()
        if prop in INHERITED and parent is not None:
            return self.value(parent, prop, media=media)
        return None


def _compound_matches(compound: str, element: Any) -> bool:
    tag = re.match(r"^[a-zA-Z][\w-]*", compound)
    if tag and element.tag != tag.group(0).lower():
        return False
    classes = set((element.get("class") or "").split())
    return all(c in classes for c in re.findall(r"\.([\w-]+)", compound))


def matches(selector: str, element: Any) -> bool:
    """Type, class and descendant selectors ("table.ruled th", ".signer .name")."""
    parts = selector.split()
    if not parts or not _compound_matches(parts[-1], element):
        return False
    ancestor = element.getparent()
    for compound in reversed(parts[:-1]):
        while ancestor is not None and not _compound_matches(compound, ancestor):
            ancestor = ancestor.getparent()
        if ancestor is None:
            return False
        ancestor = ancestor.getparent()
    return True
