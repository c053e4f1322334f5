"""Every StatesGroup of the bot's dialogs."""

from aiogram.fsm.state import State, StatesGroup


class FaqSG(StatesGroup):
    menu = State()
    node = State()
    results = State()


class LanguageSG(StatesGroup):
    pick = State()


class PrivacySG(StatesGroup):
    info = State()
    confirm_delete = State()


class SurveySG(StatesGroup):
    list = State()
    consent = State()
    question = State()
    done = State()
    stopped = State()
    already = State()


class FeedbackSG(StatesGroup):
    write = State()
    confirm = State()
    sent = State()


class SettingsSG(StatesGroup):
    main = State()


class CrisisSG(StatesGroup):
    card = State()
