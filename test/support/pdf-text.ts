import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * pdf-parse (pdf.js) sets up its worker with a dynamic `import()`, which Jest's CommonJS runtime
 * refuses; plain Node runs it fine, offline, from node_modules. So the text is extracted in a
 * child Node process: the PDF goes in on stdin, its text comes back on stdout.
 */
const EXTRACT = `
const { PDFParse } = require('pdf-parse');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const parser = new PDFParse({ data: new Uint8Array(Buffer.concat(chunks)) });
  try {
    process.stdout.write((await parser.getText()).text);
  } finally {
    await parser.destroy();
  }
});
`;

/** The PDF's text, whitespace runs collapsed to one space. */
export function pdfText(pdf: Buffer): Promise<string> {
  return new Promise<string>((done, fail) => {
    const child = execFile(
      process.execPath,
      ['-e', EXTRACT],
      { cwd: resolve(__dirname, '../..'), maxBuffer: 16 * 1024 * 1024, timeout: 30_000 },
      (error, stdout) => {
        if (error) fail(new Error(`PDF text extraction failed: ${error.message}`));
        else done(stdout.replace(/\s+/g, ' '));
      },
    );
    child.stdin!.end(pdf);
  });
}
