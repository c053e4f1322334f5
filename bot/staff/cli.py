"""`python -m bot staff add|list|reset-password|disable|enable|role`."""

from __future__ import annotations

import argparse
import sys

from bot.config import LANGUAGES, Settings
from bot.i18n import gettext_ as t
from bot.staff.accounts import DEFAULT_STAFF_LOCALE, ROLE_HELP, ROLES, StaffError, StaffService


def add_parser(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="staff panel accounts")
    ssub = staff.add_subparsers(dest="action", required=True)
    add = ssub.add_parser("add", help="create an account; prints a one-time password")
    add.add_argument("email")
    add.add_argument("--role", choices=ROLES, required=True,
                     help="; ".join(f"{r}: {h}" for r, h in ROLE_HELP.items()))
    add.add_argument("--panel-lang", choices=LANGUAGES, default=DEFAULT_STAFF_LOCALE,
                     help="the language of the panel for this account (default: pl)")
    ssub.add_parser("list", help="list accounts")
    reset = ssub.add_parser("reset-password",
                            help="new one-time password; unlocks the account and ends its sessions")
    reset.add_argument("email")
    disable = ssub.add_parser("disable", help="stop an account from logging in; ends its sessions")
    disable.add_argument("email")
    enable = ssub.add_parser("enable", help="let a disabled account log in again")
    enable.add_argument("email")
    role = ssub.add_parser("role", help="change an account's role; ends its sessions")
    role.add_argument("email")
    role.add_argument("role", choices=ROLES)


def _handover(email: str, password: str) -> None:
    print(t("One-time password for {email}: {password}", email=email, password=password))
    print(t("It must be changed at the first login to the staff panel."))


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db.engine import create_engine, create_session_factory
    from bot.db.migrate import upgrade_async

    await upgrade_async(settings.db_url)
    engine = create_engine(settings.db_url)
    service = StaffService(create_session_factory(engine))
    try:
        if args.action == "add":
            account, password = await service.add(args.email, args.role,
                                                  locale=args.panel_lang)
            print(t("account created: {email} ({role})", email=account.email, role=account.role))
            _handover(account.email, password)
        elif args.action == "list":
            accounts = await service.accounts()
            for a in accounts:
                state = t("active") if a.active else t("disabled")
                extra = (" " + t("(must change password)")
                         if a.must_change_password and a.active else "")
                last = a.last_login_at.strftime("%Y-%m-%d %H:%M") if a.last_login_at else t("never")
                print(f"{a.email:40s} {a.role:8s} {state:8s} {a.locale} "
                      + t("last login {time}", time=last) + extra)
            if not accounts:
                print(t("no accounts yet: python -m bot staff add EMAIL --role admin"))
        elif args.action == "reset-password":
            _handover(args.email, await service.reset_password(args.email))
        elif args.action == "disable":
            await service.disable(args.email)
            print(t("{email} can no longer log in", email=args.email))
        elif args.action == "enable":
            await service.enable(args.email)
            print(t("{email} can log in again", email=args.email))
        elif args.action == "role":
            await service.set_role(args.email, args.role)
            print(t("{email} is now {role}", email=args.email, role=args.role))
    except StaffError as exc:
        print(exc.text(), file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    return 0
