import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * The images the test containers run are the ones docker-compose.yml pins, read from it, so the
 * tests and the documented deployment cannot drift apart.
 */
export function composeImage(composeText: string, service: string): string {
  const doc = parse(composeText) as { services?: Record<string, { image?: unknown }> } | null;
  const image = doc?.services?.[service]?.image;
  if (typeof image !== 'string' || !/^[\w./-]+:[\w.-]+$/.test(image) || image.endsWith(':latest')) {
    throw new Error(`docker-compose.yml: service ${service} must name an image with a pinned tag, found ${JSON.stringify(image)}`);
  }
  return image;
}

export function testImages(composeFile: string): { kafka: string; clickhouse: string } {
  const text = readFileSync(composeFile, 'utf8');
  return { kafka: composeImage(text, 'kafka'), clickhouse: composeImage(text, 'clickhouse') };
}
