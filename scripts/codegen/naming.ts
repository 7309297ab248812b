/** Identifiers, labels and doc comments for generated code. */

/** `product-coupons` -> `ProductCoupons`, `{stock_id}` -> `ByStockId`, `{empty}` -> `Slash`. */
export function pascalSegment(segment: string): string {
  if (segment === '{empty}') return 'Slash';
  const variable = /^\{(.+)\}$/.exec(segment);
  const words = (variable ? variable[1]! : segment).split(/[^A-Za-z0-9]+/).filter(Boolean);
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return variable ? `By${pascal}` : pascal;
}

export const isIdentifier = (name: string): boolean => /^[A-Za-z_$][\w$]*$/.test(name);
export const propertyKey = (name: string): string => (isIdentifier(name) ? name : `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);

/** The short label of a field: its description up to the first sentence break, without markup or links. */
export function shortLabel(description: string | undefined, max = 40): string | undefined {
  if (!description) return undefined;
  let text = description
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/\*\*/g, '')
    .trim();
  text = text.split(/[\n；;。]/)[0]!.trim();
  if ([...text].length > max) text = text.split(/[，,：:（(]/)[0]!.trim();
  if ([...text].length > max) text = `${[...text].slice(0, max).join('')}…`;
  return text || undefined;
}

/** A JSDoc block from lines (empty lines dropped); `*\/` can never close it early. */
export function docComment(lines: ReadonlyArray<string | undefined>, indent: string): string {
  const clean = lines.filter((l): l is string => !!l && l.trim() !== '').map((l) => l.replace(/\*\//g, '*\\/'));
  if (clean.length === 0) return '';
  if (clean.length === 1) return `${indent}/** ${clean[0]} */\n`;
  return `${indent}/**\n${clean.map((l) => `${indent} * ${l}`).join('\n')}\n${indent} */\n`;
}
