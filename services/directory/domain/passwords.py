"""The password rule: 10 to 128 characters, a letter and a digit or symbol, four different
characters, not the username — pure, no hashing (`service/passwords.py` hashes)."""

from __future__ import annotations

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
STRENGTH_RULE_AR = (
    "كلمة المرور من 10 إلى 128 حرفاً، فيها حرف واحد على الأقل ورقم أو رمز واحد على الأقل "
    "وأربعة أحرف مختلفة على الأقل، ولا تتضمن اسم المستخدم"
)
STRENGTH_RULE_EN = (
    "A password has 10 to 128 characters, at least one letter, at least one digit or "
    "symbol, at least 4 different characters, and does not contain the username"
)


def password_problem(password: str, username: str | None) -> tuple[str, str] | None:
    """The (Arabic, English) reason a password breaks the rule, or None when it is fine."""
    has_letter = any(c.isalpha() for c in password)
    has_other = any(not c.isalpha() for c in password)
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        return STRENGTH_RULE_AR, STRENGTH_RULE_EN
    if not (has_letter and has_other) or len(set(password)) < 4:
        return STRENGTH_RULE_AR, STRENGTH_RULE_EN
    if username and len(username) >= 3 and username.lower() in password.lower():
        return STRENGTH_RULE_AR, STRENGTH_RULE_EN
    return None


def check_configured(password: str, setting: str) -> None:
    """A password set by configuration (the admin's, the demo staff's) must keep the rule."""
    problem = password_problem(password, None)
    if problem is not None:
        raise RuntimeError(f"{setting} is too weak: {problem[1]}")
