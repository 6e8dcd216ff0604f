/**
 * PEM-style text armor around the binary encodings, so key and certificate
 * files survive copy-paste, email and config management:
 *
 *   # optional comment lines for people
 *   -----BEGIN SKEIN CERTIFICATE-----
 *   base64, 64 characters a line
 *   -----END SKEIN CERTIFICATE-----
 *
 * A file may hold several blocks (a node certificate and its intermediate, or
 * a bundle of CA certificates). Parsing is strict: canonical base64 only, the
 * label must agree with the object's type byte, nothing but comments and blank
 * lines between blocks. Errors are DecodeErrors.
 */
import { DecodeError } from '../util/errors.js';
import { ObjectType, type ObjectTypeByte } from './constants.js';

export const ARMOR_LABELS: Record<ObjectTypeByte, string> = {
  [ObjectType.PUBLIC_KEY]: 'SKEIN PUBLIC KEY',
  [ObjectType.PRIVATE_KEY]: 'SKEIN PRIVATE KEY',
  [ObjectType.CERTIFICATE]: 'SKEIN CERTIFICATE',
  [ObjectType.CHAIN]: 'SKEIN CERTIFICATE CHAIN',
  [ObjectType.REVOCATION_LIST]: 'SKEIN REVOCATION LIST',
};
const LABEL_TO_TYPE = new Map<string, ObjectTypeByte>(
  Object.entries(ARMOR_LABELS).map(([type, label]) => [label, Number(type) as ObjectTypeByte]),
);

/** Largest armored text accepted (a full revocation list is ~88 KiB of base64). */
export const ARMOR_MAX_CHARS = 256 * 1024;
export const ARMOR_MAX_BLOCKS = 16;
const LINE_CHARS = 64;
const MAX_LINE_CHARS = 76;
const BEGIN = /^-----BEGIN ([A-Z ]{1,40})-----$/;
const END = /^-----END ([A-Z ]{1,40})-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;

export interface ArmorBlock {
  type: ObjectTypeByte;
  label: string;
  bytes: Uint8Array;
}

export function armor(bytes: Uint8Array, comments: readonly string[] = []): string {
  const type = bytes[0] as ObjectTypeByte;
  const label = ARMOR_LABELS[type];
  if (label === undefined) throw new RangeError(`cannot armor unknown object type ${type}`);
  const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const lines: string[] = comments.map((c) => `# ${c.replace(/[\r\n]/g, ' ')}`);
  lines.push(`-----BEGIN ${label}-----`);
  for (let i = 0; i < b64.length; i += LINE_CHARS) lines.push(b64.slice(i, i + LINE_CHARS));
  lines.push(`-----END ${label}-----`);
  return `${lines.join('\n')}\n`;
}

function decodeBase64(b64: string, label: string): Uint8Array {
  if (b64.length === 0 || b64.length % 4 !== 0) throw new DecodeError(`${label}: base64 length is not a multiple of 4`);
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.toString('base64') !== b64) throw new DecodeError(`${label}: base64 is not canonical`);
  return new Uint8Array(bytes);
}

function finishBlock(label: string, b64: string): ArmorBlock {
  const type = LABEL_TO_TYPE.get(label);
  if (type === undefined) throw new DecodeError(`unknown armor label '${label}'`);
  const bytes = decodeBase64(b64, label);
  if (bytes[0] !== type) throw new DecodeError(`${label}: content is not a ${label.toLowerCase()}`);
  return { type, label, bytes };
}

export function parseArmor(text: string): ArmorBlock[] {
  if (text.length > ARMOR_MAX_CHARS) throw new DecodeError(`armored text too long (${text.length} > ${ARMOR_MAX_CHARS} characters)`);
  if (!/^[\x20-\x7e\t\r\n]*$/.test(text)) throw new DecodeError('armored text holds non-printable or non-ASCII characters');
  const blocks: ArmorBlock[] = [];
  let label: string | undefined;
  let b64 = '';
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '').trim();
    const where = `line ${i + 1}`;
    if (label === undefined) {
      if (line === '' || line.startsWith('#')) continue;
      const begin = BEGIN.exec(line);
      if (begin === null) throw new DecodeError(`${where}: expected '-----BEGIN SKEIN …-----', a '#' comment or a blank line`);
      if (blocks.length >= ARMOR_MAX_BLOCKS) throw new DecodeError(`more than ${ARMOR_MAX_BLOCKS} armored blocks`);
      label = begin[1] as string;
      b64 = '';
      continue;
    }
    const end = END.exec(line);
    if (end !== null) {
      if (end[1] !== label) throw new DecodeError(`${where}: END ${end[1]} does not close BEGIN ${label}`);
      blocks.push(finishBlock(label, b64));
      label = undefined;
      continue;
    }
    if (line.length > MAX_LINE_CHARS || !BASE64_LINE.test(line)) throw new DecodeError(`${where}: not a base64 line`);
    b64 += line;
  }
  if (label !== undefined) throw new DecodeError(`missing '-----END ${label}-----'`);
  if (blocks.length === 0) throw new DecodeError('no armored block found');
  return blocks;
}
