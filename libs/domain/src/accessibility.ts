/** What a workplace or service point offers, and what a person needs. Every need is sensitive. */
export const ACCESSIBILITY_FEATURES = ['wheelchair', 'sign_language', 'visual', 'quiet'] as const;

export type AccessibilityFeature = (typeof ACCESSIBILITY_FEATURES)[number];
