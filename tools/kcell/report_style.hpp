// The report page's style sheet (inline: the page needs no network).
#pragma once

namespace kcell_cli {

inline constexpr const char* kReportCss = R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f7fa; color: #1f2933;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
        "Liberation Sans", "DejaVu Sans", sans-serif; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { background: #ffffff; border-bottom: 1px solid #e4e7eb; padding: 22px 0 18px; }
header .kicker { font-size: 12px; letter-spacing: .08em; text-transform: uppercase;
  color: #3b6ea5; font-weight: 600; }
h1 { font-size: 24px; font-weight: 600; margin: 2px 0 6px; }
.meta { color: #616e7c; font-size: 13px; display: flex; flex-wrap: wrap; gap: 4px 22px; }
.meta b { color: #1f2933; font-weight: 500; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
  gap: 12px; margin: 22px 0; }
.card { background: #ffffff; border: 1px solid #e4e7eb; border-radius: 8px; padding: 12px 16px; }
.card .label { font-size: 11.5px; color: #616e7c; text-transform: uppercase;
  letter-spacing: .05em; }
.card .value { font-size: 26px; font-weight: 600; font-variant-numeric: tabular-nums;
  line-height: 1.25; margin-top: 2px; }
.card .sub { font-size: 12px; color: #616e7c; }
.panel { background: #ffffff; border: 1px solid #e4e7eb; border-radius: 8px;
  padding: 18px 20px 20px; margin-bottom: 20px; }
h2 { font-size: 16px; font-weight: 600; margin: 0 0 2px; }
h3 { font-size: 13px; font-weight: 600; margin: 0 0 6px; color: #3e4c59; }
.note { color: #616e7c; font-size: 13px; margin: 0 0 14px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; align-items: start; }
.two.wide-left { grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr); }
.figure { display: flex; justify-content: center; }
svg { max-width: 100%; height: auto; display: block; }
svg text { font-family: inherit; }
table { border-collapse: collapse; width: 100%; font-size: 13px;
  font-variant-numeric: tabular-nums; }
th { font-weight: 600; color: #3e4c59; border-bottom: 1px solid #cbd2d9; }
th, td { text-align: left; padding: 6px 10px; }
td { border-bottom: 1px solid #eef1f4; }
.num { text-align: right; }
tr.total td { border-top: 1px solid #cbd2d9; font-weight: 600; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 12.5px; }
pre { background: #f5f7fa; border: 1px solid #eef1f4; border-radius: 6px; padding: 10px 12px;
  white-space: pre-wrap; word-break: break-word; margin: 0; }
footer { color: #9aa5b1; font-size: 12px; padding: 4px 0 32px; }
@media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
.gallery { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 14px; }
.gallery figure { margin: 0; font-size: 12px; color: #3e4c59; }
.gallery img { display: block; image-rendering: pixelated; border-radius: 4px;
  border: 2px solid #3ebd93; }
.gallery figure.wrong img { border-color: #e12d39; }
)css";

}  // namespace kcell_cli
