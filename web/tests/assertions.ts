import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

/** Web-first assertions: poll until the page settles (playwright-core has no `expect`). */
export function until<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 10_000, interval: 50 });
}

/** The visible text of every element the locator matches, joined by newlines. */
export async function text(locator: Locator): Promise<string> {
  return (await locator.allInnerTexts()).join('\n');
}
