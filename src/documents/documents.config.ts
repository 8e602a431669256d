import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type ConfigOf, defineConfig } from '../config/config-fragment';
import { optionalString } from '../config/env-vars';
import { loadPdfKit } from './pdfkit';

/** Used outside production when DOCUMENT_LINK_SECRET is unset: the same on every instance. */
export const DEVELOPMENT_DOCUMENT_LINK_SECRET = 'usage-billing-development-document-link-secret';

/** A logo file read once at start: PNG or JPEG, by its first bytes. */
export interface SellerLogo {
  path: string;
  data?: Buffer;
  problem?: string;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const MAX_LOGO_BYTES = 1_048_576;

function readLogo(path: string): SellerLogo {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return { path, problem: 'SELLER_LOGO_FILE: cannot be read' };
  }
  if (data.length > MAX_LOGO_BYTES) {
    return { path, problem: `SELLER_LOGO_FILE: larger than ${MAX_LOGO_BYTES} bytes` };
  }
  const png = data.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC);
  const jpeg = data.subarray(0, JPEG_MAGIC.length).equals(JPEG_MAGIC);
  if (!png && !jpeg) return { path, problem: 'SELLER_LOGO_FILE: must be a PNG or JPEG file' };
  try {
    // Parsed once here, so a damaged file stops the start instead of failing every render.
    new (loadPdfKit())({ size: 'A4' }).image(data, 0, 0, { width: 10 });
  } catch {
    return { path, problem: 'SELLER_LOGO_FILE: not a PNG or JPEG image that can be read' };
  }
  return { path, data };
}

/** Environment values cannot hold line breaks easily: a literal `\n` separates lines too. */
const lines = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/\\n|\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);

const bounded = (max: number) =>
  optionalString.refine((v) => v === undefined || v.length <= max, {
    message: `must be at most ${max} characters`,
  });

/**
 * Invoice documents: who issues them (the seller block and the payment instructions printed at
 * the bottom) and the key that signs share links.
 */
export const documentsConfig = defineConfig(
  'documents',
  {
    SELLER_NAME: bounded(200),
    SELLER_ADDRESS: bounded(1000),
    SELLER_TAX_ID: bounded(64),
    SELLER_EMAIL: bounded(254),
    SELLER_LOGO_FILE: optionalString,
    INVOICE_FOOTER: bounded(2000),
    DOCUMENT_LINK_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
      message: 'must be at least 32 characters',
    }),
  } satisfies z.ZodRawShape,
  (e, context) => ({
    seller: {
      name: e.SELLER_NAME ?? '',
      addressLines: lines(e.SELLER_ADDRESS),
      taxId: e.SELLER_TAX_ID,
      email: e.SELLER_EMAIL,
      logo: e.SELLER_LOGO_FILE === undefined ? undefined : readLogo(e.SELLER_LOGO_FILE),
    },
    footerLines: lines(e.INVOICE_FOOTER),
    /** Signs share links; never logged. */
    linkSecret:
      e.DOCUMENT_LINK_SECRET ?? (context.isProduction ? '' : DEVELOPMENT_DOCUMENT_LINK_SECRET),
  }),
  {
    check: (documents, context, problems) => {
      if (documents.seller.logo?.problem) problems.push(documents.seller.logo.problem);
      if (context.isProduction && documents.linkSecret === '') {
        problems.push('DOCUMENT_LINK_SECRET: required in production (at least 32 characters)');
      }
    },
    secrets: (documents) => [documents.linkSecret],
  },
);

export type DocumentsConfig = ConfigOf<typeof documentsConfig>;

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    documents: ConfigOf<typeof documentsConfig>;
  }
}
