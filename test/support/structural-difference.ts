/**
 * Where two values differ in structure: prototypes, own keys in order, property kinds, and values
 * (Object.is); undefined when they do not. For tests that hold two paths to the same result, such as the
 * validation fast path against class-transformer and class-validator.
 */
export function difference(a: unknown, b: unknown, path = '(root)'): string | undefined {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} is not ${String(b)}`;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  const keys = Reflect.ownKeys(a);
  const otherKeys = Reflect.ownKeys(b);
  if (keys.map(String).join() !== otherKeys.map(String).join()) return `${path}: keys ${keys.map(String).join()} are not ${otherKeys.map(String).join()}`;
  for (const key of keys) {
    const one = Object.getOwnPropertyDescriptor(a, key) as PropertyDescriptor;
    const other = Object.getOwnPropertyDescriptor(b, key) as PropertyDescriptor;
    if (one.enumerable !== other.enumerable || one.writable !== other.writable || one.configurable !== other.configurable || 'get' in one || 'get' in other) {
      return `${path}.${String(key)}: property kinds differ`;
    }
    const inner = difference(one.value, other.value, `${path}.${String(key)}`);
    if (inner !== undefined) return inner;
  }
  return undefined;
}
