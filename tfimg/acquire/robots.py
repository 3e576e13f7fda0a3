"""robots.txt rules as RFC 9309 defines them (Python's `urllib.robotparser` takes the first
matching rule, not the most specific one, so `Disallow: /private/` then `Allow: /private/a.jpg`
would block `a.jpg`).

- The group for our product token (case-insensitive, e.g. `tfimg`) applies, else the `*` group;
  groups with the same agent are merged.
- Of the rules matching a path, the longest pattern wins; on a tie `Allow` wins. `*` matches any
  run of characters and a final `$` anchors the end. Empty `Disallow:` allows everything.
- `Crawl-delay` (not in the RFC, widely used) is read as seconds.

Plain Python.
"""

import re
import urllib.parse


def _pattern(path):
    anchored = path.endswith("$")
    body = re.escape(path[:-1] if anchored else path).replace(r"\*", ".*")
    return re.compile(body + ("$" if anchored else ""))


class RobotsRules:
    """The rules of one robots.txt for one user agent."""

    def __init__(self, rules=(), crawl_delay=None):
        self.rules = list(rules)  # (allow, pattern text, compiled)
        self.crawl_delay = crawl_delay

    @classmethod
    def parse(cls, text, agent="tfimg"):
        agent = agent.lower()
        groups, current, collecting = {}, [], False
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            field, value = (part.strip() for part in line.split(":", 1))
            field = field.lower()
            if field == "user-agent":
                if not collecting:  # a new group starts after a rule line
                    current = []
                    collecting = True
                current.append(value.lower())
                for name in current:
                    groups.setdefault(name, [])
                continue
            collecting = False
            for name in current:
                groups[name].append((field, value))
        lines = groups.get(agent, groups.get("*", []))
        rules, delay = [], None
        for field, value in lines:
            if field in ("allow", "disallow") and value:
                path = urllib.parse.unquote(value)
                rules.append((field == "allow", path, _pattern(path)))
            elif field == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    pass
        return cls(rules, delay)

    def allowed(self, url):
        """True when the most specific matching rule allows `url` (or none matches)."""
        parts = urllib.parse.urlsplit(url)
        path = urllib.parse.unquote(parts.path or "/") + (f"?{parts.query}" if parts.query
                                                          else "")
        best = (-1, True)
        for allow, text, pattern in self.rules:
            if pattern.match(path):
                best = max(best, (len(text), allow))
        return best[1]
