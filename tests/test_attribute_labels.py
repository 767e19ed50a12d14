"""Names of attributes and choices for the planner's pages, read from the crews' app
catalogue: the same word on the phone and in the office, the schema title for a
municipality's own fields, and no failure without the field app's folder."""

from __future__ import annotations

import json

from gisapp.asset_types.attribute_labels import attribute_labels, column_label
from gisapp.settings import Settings

STREET_LIGHT = {"properties": {
    "power_w": {"type": "number", "title": "Leistung (W)"},
    "mounting": {"type": "string", "enum": ["pole_top", "bracket"]},
    "bands": {"type": "array", "items": {"type": "string", "enum": ["2.4GHz", "5GHz"]}},
    "bench_colour": {"type": "string", "title": "Farbe der Bank", "enum": ["green"]},
    "plain": {"type": "string"},
}}


def test_every_language_names_the_built_in_attributes_and_choices():
    settings = Settings()
    for language, power, bracket in (("de", "Leistung (W)", "Ausleger"),
                                     ("en", "Power (W)", "bracket"),
                                     ("fr", "Puissance (W)", "sur crosse")):
        labels = attribute_labels(settings, language)
        assert labels.attribute("power_w") == power
        assert labels.value("mounting", "bracket") == bracket
    # a choice with a dot in it (the catalogue's key is value.bands.2.4GHz)
    assert attribute_labels(settings, "de").value("bands", "2.4GHz") == "2,4 GHz"
    # any other language reads German, like the pages
    assert attribute_labels(settings, "xx").attribute("power_w") == "Leistung (W)"


def test_own_fields_keep_their_title_or_name():
    labels = attribute_labels(Settings(), "en")
    assert labels.attribute("bench_colour", STREET_LIGHT["properties"]["bench_colour"]) \
        == "Farbe der Bank"
    assert labels.attribute("plain", {}) == "plain"
    assert labels.value("bench_colour", "green") == "green"
    assert labels.value("power_w", 32.5) == 32.5


def test_a_page_gets_the_names_of_its_types_only():
    names, choices = attribute_labels(Settings(), "de").for_schemas([STREET_LIGHT, {}])
    assert names == {"power_w": "Leistung (W)", "mounting": "Montage", "bands": "Frequenzbänder",
                     "bench_colour": "Farbe der Bank", "plain": "plain"}
    assert choices == {"mounting": {"pole_top": "Mastaufsatz", "bracket": "Ausleger"},
                       "bands": {"2.4GHz": "2,4 GHz", "5GHz": "5 GHz"}}


def test_without_the_field_app_the_titles_are_shown(tmp_path):
    settings = Settings(field_dir=tmp_path)
    labels = attribute_labels(settings, "de")
    assert labels.attribute("power_w", {"title": "Leistung"}) == "Leistung"
    assert labels.value("mounting", "bracket") == "bracket"
    # an edited catalogue is read again, a broken one is ignored
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n" / "de.json").write_text(json.dumps({"attr.power_w": "Watt"}))
    assert attribute_labels(settings, "de").attribute("power_w") == "Watt"
    (tmp_path / "i18n" / "de.json").write_text("{not json")
    assert attribute_labels(settings, "de").attribute("power_w", {"title": "L"}) == "L"


def test_the_asset_columns_are_gettext_texts():
    assert column_label("installed_on", lambda s: s.upper()) == "INSTALLED ON"
    assert column_label("power_w", str) is None
