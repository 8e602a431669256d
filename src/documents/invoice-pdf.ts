import type { DocumentRow, DocumentView } from './document-view';
import { loadPdfKit } from './pdfkit';

const PAGE_MARGIN = 50;
const PAGE_WIDTH = 595.28; // A4
const PAGE_HEIGHT = 841.89;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * PAGE_MARGIN;
const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const MUTED = '#555555';
const TEXT = '#111111';

interface Cell {
  text: string;
  width: number;
  align?: 'left' | 'right';
  bold?: boolean;
}

/**
 * Renders a document view as an A4 PDF with pdfkit's built-in standard fonts (Helvetica: the
 * AFM metrics ship inside the package, nothing is read from the system or the network).
 * Deterministic: the metadata dates come from the document (`view.createdAt`) and pdfkit
 * derives the file ID from that metadata, so the same view gives the same bytes. The standard
 * fonts cover Windows-1252 only; other characters in customer text print as substitutes.
 */
export function renderPdf(view: DocumentView, logo?: Buffer): Promise<Buffer> {
  const PDFDocument = loadPdfKit();
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE_MARGIN,
    compress: true,
    info: {
      Title: `${view.title} ${view.number}`,
      Author: view.seller.name,
      Subject: view.title,
      Creator: 'usage-billing',
      Producer: 'usage-billing',
      CreationDate: view.createdAt,
      ModDate: view.createdAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const stamp = () => {
    if (!view.stamp) return;
    const { x, y } = doc;
    doc.save();
    doc.rotate(-35, { origin: [PAGE_WIDTH / 2, PAGE_HEIGHT / 2] });
    doc
      .font(BOLD)
      .fontSize(120)
      .fillColor('#cc0000', 0.18)
      .text(view.stamp, 0, PAGE_HEIGHT / 2 - 60, {
        width: PAGE_WIDTH,
        align: 'center',
        lineBreak: false,
      });
    doc.restore();
    doc.fillColor(TEXT, 1);
    doc.x = x;
    doc.y = y;
  };
  doc.on('pageAdded', stamp);
  stamp();

  const ensureRoom = (height: number) => {
    if (doc.y + height > PAGE_HEIGHT - PAGE_MARGIN) doc.addPage();
  };

  const row = (cells: Cell[], size = 9) => {
    const heights = cells.map((cell) =>
      doc
        .font(cell.bold ? BOLD : REGULAR)
        .fontSize(size)
        .heightOfString(cell.text || ' ', { width: cell.width }),
    );
    const height = Math.max(...heights);
    ensureRoom(height + 4);
    const top = doc.y;
    let x = PAGE_MARGIN;
    for (const cell of cells) {
      doc
        .font(cell.bold ? BOLD : REGULAR)
        .fontSize(size)
        .fillColor(TEXT)
        .text(cell.text, x, top, { width: cell.width, align: cell.align ?? 'left' });
      x += cell.width;
    }
    doc.x = PAGE_MARGIN;
    doc.y = top + height + 4;
  };

  const rule = () => {
    doc
      .moveTo(PAGE_MARGIN, doc.y)
      .lineTo(PAGE_WIDTH - PAGE_MARGIN, doc.y)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    doc.y += 4;
  };

  // Header: logo and seller on the left, title on the right.
  const top = doc.y;
  let sellerTop = top;
  if (logo) {
    doc.image(logo, PAGE_MARGIN, top, { fit: [140, 60] });
    sellerTop = top + 66;
  }
  doc.font(BOLD).fontSize(20).fillColor(TEXT);
  doc.text(view.title.toUpperCase(), PAGE_MARGIN, top, { width: CONTENT_WIDTH, align: 'right' });
  doc.y = sellerTop;
  doc.x = PAGE_MARGIN;
  if (view.seller.name) doc.font(BOLD).fontSize(11).text(view.seller.name, { width: 280 });
  doc.font(REGULAR).fontSize(9).fillColor(MUTED);
  for (const line of view.seller.lines) doc.text(line, { width: 280 });
  const afterSeller = doc.y;

  // Facts on the right, beside the seller.
  doc.y = top + 30;
  for (const fact of view.facts) {
    const y = doc.y;
    doc.font(REGULAR).fontSize(9).fillColor(MUTED).text(fact.label, 330, y, { width: 90 });
    doc
      .font(BOLD)
      .fillColor(TEXT)
      .text(fact.value, 420, y, { width: PAGE_WIDTH - PAGE_MARGIN - 420, align: 'right' });
  }
  doc.y = Math.max(afterSeller, doc.y) + 16;
  doc.x = PAGE_MARGIN;

  // Customer.
  doc.font(BOLD).fontSize(9).fillColor(MUTED).text('BILL TO', { width: 280 });
  doc.font(BOLD).fontSize(11).fillColor(TEXT).text(view.customer.name, { width: 280 });
  doc.font(REGULAR).fontSize(9);
  for (const line of view.customer.lines) doc.text(line, { width: 280 });
  doc.y += 16;

  // Lines.
  const columns = { description: 285, quantity: 90, amount: CONTENT_WIDTH - 375 };
  row(
    [
      { text: 'Description', width: columns.description, bold: true },
      { text: 'Quantity', width: columns.quantity, align: 'right', bold: true },
      { text: 'Amount', width: columns.amount, align: 'right', bold: true },
    ],
    9,
  );
  rule();
  for (const line of view.lines) {
    row([
      { text: line.description, width: columns.description },
      { text: line.quantity, width: columns.quantity, align: 'right' },
      { text: line.amount, width: columns.amount, align: 'right' },
    ]);
    if (line.hasTiers) {
      const tier = [20, 60, 60, 65, 85, 70, CONTENT_WIDTH - 360];
      row(
        ['', 'From', 'To', 'Quantity', 'Unit price', 'Flat fee', 'Amount'].map((text, i) => ({
          text,
          width: tier[i],
          align: i === 0 ? 'left' : 'right',
          bold: true,
        })),
        7.5,
      );
      for (const t of line.tiers) {
        row(
          ['', t.from, t.to, t.quantity, t.unitPrice, t.flatFee, t.amount].map((text, i) => ({
            text,
            width: tier[i],
            align: i === 0 ? 'left' : 'right',
          })),
          7.5,
        );
      }
    }
  }
  rule();
  doc.y += 4;

  // Summary.
  const summary = (rows: DocumentRow[]) => {
    for (const item of rows) {
      row([
        { text: '', width: 255 },
        { text: item.label, width: 120, bold: item.strong },
        { text: item.value, width: CONTENT_WIDTH - 375, align: 'right', bold: item.strong },
      ]);
    }
  };
  summary(view.summary);

  if (view.notes) {
    doc.y += 10;
    row([{ text: view.notes.title, width: CONTENT_WIDTH, bold: true }]);
    summary(view.notes.rows);
  }

  if (view.hostedUrl) {
    doc.y += 10;
    ensureRoom(30);
    doc.font(REGULAR).fontSize(9).fillColor(TEXT).text('Pay online: ', PAGE_MARGIN, doc.y, {
      continued: true,
    });
    doc.fillColor('#1a56db').text(view.hostedUrl, { link: view.hostedUrl, underline: true });
    doc.fillColor(TEXT);
  }

  if (view.footerLines.length > 0) {
    doc.y += 16;
    ensureRoom(14 * view.footerLines.length);
    doc.font(REGULAR).fontSize(8.5).fillColor(MUTED);
    for (const line of view.footerLines)
      doc.text(line, PAGE_MARGIN, doc.y, { width: CONTENT_WIDTH });
  }

  doc.end();
  return done;
}
