"""The committed crisis model (bot/safety/crisis_model.json.gz) is a generated file: it must be
small, load at start-up, and never be stale. Its `meta` records what made it; these tests
recompute that from the repository and ask for a retrain when anything differs."""

from __future__ import annotations

import asyncio

from bench.train_crisis import (
    COMMAND,
    features_fingerprint,
    input_hashes,
    settings,
)
from bot.safety import scorer
from bot.safety.crisis import classify
from bot.safety.scorer import MODEL_PATH, default_model, preload, read_model_data
from tests.botenv import RunningBot, make_settings

RETRAIN = "retrain: python -m bench.train_crisis"


def _meta() -> dict:
    return read_model_data()["meta"]


def test_model_file_is_small():
    # Under about 1 MB (issue 11 round 3): loaded once at start-up, off the event loop.
    assert MODEL_PATH.stat().st_size < 1024 * 1024, MODEL_PATH


def test_model_records_how_it_was_made():
    meta = _meta()
    assert meta["command"] == COMMAND
    assert meta["settings"] == settings(), (
        f"training settings changed since the model was made; {RETRAIN}")


def test_training_inputs_unchanged_since_the_model_was_made():
    recorded = _meta()["inputs_sha256"]
    current = input_hashes()
    added = sorted(current.keys() - recorded.keys())
    removed = sorted(recorded.keys() - current.keys())
    changed = sorted(p for p in current.keys() & recorded.keys() if current[p] != recorded[p])
    assert not (added or removed or changed), (
        f"training data changed without retraining (added {added}, removed {removed}, "
        f"changed {changed}); {RETRAIN}")


def test_feature_extraction_unchanged_since_the_model_was_made():
    assert _meta()["features_sha256"] == features_fingerprint(), (
        "the scorer's features (bot/safety/scorer.py, bot/content/normalize.py) changed; "
        + RETRAIN)


def test_model_is_loaded_off_the_event_loop_before_the_first_message():
    default_model.cache_clear()
    try:
        model = asyncio.run(preload())
        assert model is not None and model is default_model()
        assert default_model.cache_info().currsize == 1
        assert classify("I bought a rope and wrote letters to my family, tonight I end it")
    finally:
        default_model.cache_clear()


async def test_the_bot_loads_the_model_when_it_starts(sandbox, db_path):
    default_model.cache_clear()
    running = RunningBot(sandbox, make_settings(db_path, sandbox))
    await running.start()
    try:
        # Before the first message: nobody waits for the file to be read.
        assert default_model.cache_info().currsize == 1 and default_model() is not None
    finally:
        await running.stop()


def test_scripts_still_get_the_model_lazily():
    default_model.cache_clear()
    assert default_model.cache_info().currsize == 0
    assert classify("I bought a rope and wrote letters to my family, tonight I end it")
    assert default_model.cache_info().currsize == 1


def test_missing_file_leaves_the_rules_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(scorer, "MODEL_PATH", tmp_path / "absent.json.gz")
    default_model.cache_clear()
    try:
        assert default_model() is None
        assert classify("хочу померти")  # the rules still find it
    finally:
        default_model.cache_clear()
