/** What an emoji set may look at besides the action and status. */
export interface EmojiContext {
  /** The event being logged, e.g. `inference_completed`. */
  event: string;
  model?: string | null;
  provider?: string | null;
}

/**
 * A named group of emoji mappings (the `EmojiSetConfig` shape). `getEmoji` returns undefined
 * for actions it does not map, so a custom set can override some mappings and leave the rest to
 * the built-in set of the same domain.
 */
export interface EmojiSet {
  readonly domain: string;
  getEmoji(action: string, status: string, context: EmojiContext): string | undefined;
}

/**
 * Picks the emoji for an event from the sets of one domain: custom sets first, in the order
 * given, then the built-in set if it is enabled. Sets of other domains are ignored.
 *
 * @example
 * const resolver = new EmojiResolver('llm', BUILT_IN_EMOJI_SETS, ['llm'], [myLlmSet]);
 * resolver.resolve('inference', 'success', { event: 'inference_completed', model: 'gpt-4o' }); // myLlmSet's, else '✨'
 */
export class EmojiResolver {
  private readonly chain: readonly EmojiSet[];

  constructor(domain: string, builtIn: readonly EmojiSet[], enabled: readonly string[], custom: readonly EmojiSet[]) {
    this.chain = [
      ...custom.filter((set) => set.domain === domain),
      ...builtIn.filter((set) => set.domain === domain && enabled.includes(set.domain)),
    ];
  }

  /** True when no set applies: callers then skip building the emoji context at all. */
  get empty(): boolean {
    return this.chain.length === 0;
  }

  resolve(action: string, status: string, context: EmojiContext): string | undefined {
    for (const set of this.chain) {
      const emoji = set.getEmoji(action, status, context);
      if (emoji !== undefined) return emoji;
    }
    return undefined;
  }
}
