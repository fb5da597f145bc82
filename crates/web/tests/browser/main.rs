//! The web interface in a real browser: headless Chromium driven over
//! WebDriver (chromedriver), on the demo data. Every page visited is checked
//! with axe-core for WCAG 2.1 AA violations (none serious or critical may
//! remain), and with `LOTSE_SCREENSHOTS=DIR` its screenshot is saved (how
//! docs/screenshots/ is made).
//!
//! Needs `chromium`, `chromedriver` and axe-core (`LOTSE_AXE`, the path of
//! axe.min.js); `.ci/run` installs all three.

mod harness;
mod more;
mod pages;
