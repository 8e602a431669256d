import Mustache from 'mustache';
import type { DocumentView } from './document-view';

/**
 * The HTML document. Mustache is logic-less and `{{ }}` escapes `& < > " ' / \` = `, so customer
 * text (names, addresses, memos) can only ever render as text; the template has no triple
 * mustaches. Styles are inline: the page needs nothing from any other origin.
 */
const TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{title}} {{number}}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; color: #111; margin: 2rem auto; max-width: 52rem; padding: 0 1rem; position: relative; }
.stamp { position: fixed; top: 40%; left: 0; right: 0; text-align: center; font-size: 9rem; font-weight: bold; color: rgba(204, 0, 0, 0.15); transform: rotate(-30deg); pointer-events: none; }
header { display: flex; justify-content: space-between; gap: 2rem; }
h1 { margin: 0 0 1rem; font-size: 1.6rem; text-align: right; }
.muted { color: #555; }
.block p { margin: 0.1rem 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { padding: 0.3rem 0.4rem; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #999; }
.num { text-align: right; white-space: nowrap; }
.tiers td, .tiers th { font-size: 0.8rem; color: #333; border: none; }
.summary { width: auto; margin-left: auto; }
.strong { font-weight: bold; }
footer { margin-top: 2rem; font-size: 0.85rem; }
</style>
</head>
<body>
{{#stamp}}<div class="stamp" aria-label="{{stamp}}">{{stamp}}</div>{{/stamp}}
<header>
<div class="block">
{{#logo}}<p><img src="{{{logo}}}" alt="" style="max-width:140px;max-height:60px"></p>{{/logo}}
<p class="strong">{{seller.name}}</p>
{{#seller.lines}}<p class="muted">{{.}}</p>{{/seller.lines}}
</div>
<div class="block">
<h1>{{title}}</h1>
<table class="facts">
{{#facts}}<tr><td class="muted">{{label}}</td><td class="num strong">{{value}}</td></tr>{{/facts}}
</table>
</div>
</header>
<section class="block">
<p class="muted strong">BILL TO</p>
<p class="strong">{{customer.name}}</p>
{{#customer.lines}}<p>{{.}}</p>{{/customer.lines}}
</section>
<table class="lines">
<thead><tr><th>Description</th><th class="num">Quantity</th><th class="num">Amount</th></tr></thead>
<tbody>
{{#lines}}
<tr><td>{{description}}</td><td class="num">{{quantity}}</td><td class="num">{{amount}}</td></tr>
{{#hasTiers}}
<tr><td colspan="3">
<table class="tiers">
<thead><tr><th class="num">From</th><th class="num">To</th><th class="num">Quantity</th><th class="num">Unit price</th><th class="num">Flat fee</th><th class="num">Amount</th></tr></thead>
<tbody>
{{#tiers}}<tr><td class="num">{{from}}</td><td class="num">{{to}}</td><td class="num">{{quantity}}</td><td class="num">{{unitPrice}}</td><td class="num">{{flatFee}}</td><td class="num">{{amount}}</td></tr>{{/tiers}}
</tbody>
</table>
</td></tr>
{{/hasTiers}}
{{/lines}}
</tbody>
</table>
<table class="summary">
{{#summary}}<tr{{#strong}} class="strong"{{/strong}}><td>{{label}}</td><td class="num">{{value}}</td></tr>{{/summary}}
</table>
{{#notes}}
<h2>{{title}}</h2>
<table class="summary">
{{#rows}}<tr><td>{{label}}</td><td class="num">{{value}}</td></tr>{{/rows}}
</table>
{{/notes}}
{{#hostedUrl}}<p>Pay online: <a href="{{hostedUrl}}" rel="noopener noreferrer">{{hostedUrl}}</a></p>{{/hostedUrl}}
{{#pdfUrl}}<p><a href="{{pdfUrl}}" download>Download PDF</a></p>{{/pdfUrl}}
<footer class="muted">
{{#footerLines}}<p>{{.}}</p>{{/footerLines}}
</footer>
</body>
</html>
`;

Mustache.parse(TEMPLATE);

export interface HtmlOptions {
  /** A link to the same document as PDF (share-link pages). */
  pdfUrl?: string;
  /** The seller's logo, inlined as a data URL. */
  logo?: Buffer;
}

const dataUrl = (logo: Buffer): string =>
  `data:${logo[0] === 0x89 ? 'image/png' : 'image/jpeg'};base64,${logo.toString('base64')}`;

/** Renders a document view as one self-contained HTML page. */
export function renderHtml(view: DocumentView, options: HtmlOptions = {}): string {
  return Mustache.render(TEMPLATE, {
    ...view,
    pdfUrl: options.pdfUrl ?? null,
    // Built here from bytes that were checked to be PNG or JPEG: base64 has nothing to escape.
    logo: options.logo ? dataUrl(options.logo) : null,
  });
}
