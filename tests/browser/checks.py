"""What every page visited by the browser journeys must hold, and its screenshots."""

import os
import re
from pathlib import Path

from tests.browser.conftest import axe_violations, has_no_horizontal_scroll

# Screenshots go to a folder git ignores; CI may point it elsewhere.
ARTIFACTS = Path(
    os.environ.get("PASSNUM_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# Links and buttons shown to a person, and the text they show (a clipped text does not count:
# DSFR hides the label of an icon button in a group that is not "--icon-left").
_VISIBLE_TEXT_JS = """() => {
  const items = [...document.querySelectorAll(
    'a[href], button, input[type=submit], input[type=button], input[type=reset]')];
  return items.filter(e => e.checkVisibility({visibilityProperty: true, opacityProperty: true})
      && !e.closest('.leaflet-control-zoom'))
    .map(e => {
      const style = getComputedStyle(e);
      const clipped = /hidden|clip/.test(style.overflow + style.overflowX)
        && e.scrollWidth > e.clientWidth + 2;
      const text = (e.tagName === 'INPUT' ? e.value : e.innerText || '').replace(/\\s+/g, ' ').trim();
      return {html: e.outerHTML.slice(0, 160), text, clipped};
    })
    .filter(item => item.clipped || item.text.length < 2);
}"""

# Actions that must be on screen at 360 px without scrolling sideways, and primary ones (and
# every button of a table row) at least 44 x 44 px.
_ACTIONS_JS = """() => {
  const width = document.documentElement.clientWidth;
  const actions = [...document.querySelectorAll(
    'main .fr-btn, main button, main input[type=submit], main table a[href]')]
    .filter(e => e.checkVisibility({visibilityProperty: true}) && !e.closest('.leaflet-container'));
  const off = actions.filter(e => {
    const r = e.getBoundingClientRect();
    return r.left < -1 || r.right > width + 1;
  });
  const primary = actions.filter(e => e.classList.contains('fr-btn') && (e.closest('table')
    || !/fr-btn--(secondary|tertiary|sm|close)|fr-accordion/.test(e.className)));
  const small = primary.filter(e => {
    const r = e.getBoundingClientRect();
    return r.width < 44 || r.height < 44;
  });
  const describe = e => e.outerHTML.slice(0, 140);
  return {count: actions.length, off: off.map(describe), small: small.map(describe)};
}"""


def texts_too_short(page) -> list[dict]:
    return page.evaluate(_VISIBLE_TEXT_JS)


def actions_check(page) -> dict:
    return page.evaluate(_ACTIONS_JS)


def screenshot(page, name: str) -> Path:
    """A full-page screenshot at the current width, under test-artifacts/screenshots/."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    path = folder / f"{slug}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page, name: str) -> dict:
    """axe (0 serious or critical), no sideways scroll, every link and button with visible text,
    every action inside a 360 px screen, primary actions 44 px; screenshots at 360 and 1280 px.

    Returns the actions measured at 360 px (so that a test can say how many it saw)."""
    page.set_viewport_size(PHONE)
    page.wait_for_load_state()
    screenshot(page, name)
    assert (violations := axe_violations(page)) == [], (name, violations)
    assert has_no_horizontal_scroll(page), name
    assert (short := texts_too_short(page)) == [], (name, short)
    actions = actions_check(page)
    assert actions["off"] == [], (name, actions["off"])
    assert actions["small"] == [], (name, actions["small"])
    page.set_viewport_size(DESKTOP)
    screenshot(page, name)
    assert (short := texts_too_short(page)) == [], (name, short)
    page.set_viewport_size(PHONE)
    return actions
