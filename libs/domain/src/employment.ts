/**
 * Whether a person is `seeking` work or `employed`: a hire makes them employed, a reverted hire (with no
 * other hire standing) seeking again.
 */
export const EMPLOYMENT_STATUSES = ['seeking', 'employed'] as const;
export type Employment = (typeof EMPLOYMENT_STATUSES)[number];

/** Employed while one of the person's job matches stands as hired. */
export function employmentWithHires(hires: number): Employment {
  return hires > 0 ? 'employed' : 'seeking';
}

/**
 * Whether job openings are proposed to a person: while seeking work, or when employed and their caseworker
 * marked them open to job offers. Benefit slots are offered either way.
 */
export function takesJobProposals(employment: Employment, openToJobOffers: boolean): boolean {
  return employment === 'seeking' || openToJobOffers;
}
