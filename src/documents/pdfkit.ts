import type PDFKitDocument from 'pdfkit';

/** pdfkit (its fonts, fontkit, brotli tables: 6-8 MB of memory) is loaded on the first use. */
export const loadPdfKit = (): typeof PDFKitDocument =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('pdfkit') as typeof PDFKitDocument;
