import type { MatchRule } from './catalog-types.js';

/** A compiled match rule: a predicate over a lower-case model name. */
export type ModelPredicate = (name: string) => boolean;

const NEVER: ModelPredicate = () => false;

/**
 * Compiles a rule once (regexes built up front) into a predicate over a LOWER-CASE name, with the
 * semantics of `@pydantic/genai-prices`: string tests are case-insensitive; `regex` is applied as
 * written to the lower-cased name. An invalid regex matches nothing rather than throwing later.
 */
export function compileMatchRule(rule: MatchRule | undefined): ModelPredicate {
  if (!rule) return NEVER;
  if ('equals' in rule) {
    const value = rule.equals.toLowerCase();
    return (name) => name === value;
  }
  if ('starts_with' in rule) {
    const value = rule.starts_with.toLowerCase();
    return (name) => name.startsWith(value);
  }
  if ('ends_with' in rule) {
    const value = rule.ends_with.toLowerCase();
    return (name) => name.endsWith(value);
  }
  if ('contains' in rule) {
    const value = rule.contains.toLowerCase();
    return (name) => name.includes(value);
  }
  if ('regex' in rule) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(rule.regex);
    } catch {
      return NEVER;
    }
    return (name) => pattern.test(name);
  }
  if ('or' in rule) {
    const parts = rule.or.map(compileMatchRule);
    return (name) => parts.some((part) => part(name));
  }
  if ('and' in rule) {
    const parts = rule.and.map(compileMatchRule);
    return (name) => parts.every((part) => part(name));
  }
  return NEVER;
}

/** The exact names a rule accepts on its own: its `equals` values at top level or inside a top-level `or`. */
export function exactNamesOf(rule: MatchRule | undefined): string[] {
  if (!rule) return [];
  if ('equals' in rule) return [rule.equals.toLowerCase()];
  if ('or' in rule) return rule.or.flatMap((part) => ('equals' in part ? [part.equals.toLowerCase()] : []));
  return [];
}

/** A short human description of a rule, for `llm-ledger prices`. */
export function describeMatchRule(rule: MatchRule): string {
  if ('equals' in rule) return `equals "${rule.equals}"`;
  if ('starts_with' in rule) return `starts with "${rule.starts_with}"`;
  if ('ends_with' in rule) return `ends with "${rule.ends_with}"`;
  if ('contains' in rule) return `contains "${rule.contains}"`;
  if ('regex' in rule) return `matches /${rule.regex}/`;
  if ('or' in rule) return rule.or.map(describeMatchRule).join(' or ');
  return `(${rule.and.map(describeMatchRule).join(' and ')})`;
}

/** The first part of `rule` that accepts `name`, to say why a pattern matched. */
export function matchingPart(rule: MatchRule, name: string): MatchRule | undefined {
  if ('or' in rule) {
    for (const part of rule.or) {
      const found = matchingPart(part, name);
      if (found) return found;
    }
    return undefined;
  }
  return compileMatchRule(rule)(name) ? rule : undefined;
}
