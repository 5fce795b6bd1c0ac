/**
 * The groups a trade union serves. `hardship` and `disabled` are sensitive personal information:
 * they decide matches but never leave the system towards employers or merchants.
 */
export const TARGET_GROUPS = [
  'rider',
  'courier',
  'security_guard',
  'sanitation',
  'veteran',
  'rural_migrant',
  'laid_off',
  'reassignment',
  'hardship',
  'disabled',
  'flexible',
  'new_form',
  'union_member',
] as const;

export type TargetGroup = (typeof TARGET_GROUPS)[number];

export const SENSITIVE_TARGET_GROUPS: ReadonlySet<TargetGroup> = new Set<TargetGroup>(['hardship', 'disabled']);

export function isSensitiveGroup(group: TargetGroup): boolean {
  return SENSITIVE_TARGET_GROUPS.has(group);
}
