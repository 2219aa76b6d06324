"""Browser: a Train page preset sets every field it defines, the data source included."""
from browser_draw import choose, wait_idle

from core.models.reader import PRESETS
from dashboard.forms import preset_label


def _data_shown(page) -> str:
    box = page.get_by_role("combobox", name="Data source").first
    widget = page.locator("[data-testid='stSelectbox']").filter(has=box).first
    return f"{widget.inner_text()} {box.input_value()}"


def test_choosing_a_preset_sets_its_data_source(browser, streamlit_server, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(streamlit_server["url"] + "/train")
    wait_idle(page)
    assert "unipen:" in _data_shown(page)  # az-quick, the page's default, trains on the a-z fixture
    for name in ("fast-text", "az-quick", "text", "fast"):
        choose(page, "Preset", preset_label("reader", name))
        wanted = PRESETS[name].data.split(":")[0]
        for _ in range(50):  # the page may still be drawing the new preset's widgets
            shown = _data_shown(page)
            if shown.split(":")[0].strip().endswith(wanted):
                break
            page.wait_for_timeout(200)
        page.screenshot(path=str(artifacts / f"train-preset-{name}.png"), full_page=True)
        assert shown.split(":")[0].strip().endswith(wanted), f"{name}: the data source shows {shown!r}"
    page.close()
