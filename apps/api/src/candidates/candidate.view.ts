import type { AccessibilityFeature, GeoPoint, TargetGroup, WeeklyWindow } from '@huigong/domain';
import type { CandidateEntity } from '@huigong/persistence/entities';

/** The profile as its owning caseworker sees it. Never sent to employers or merchants. */
export interface CandidateView {
  id: string;
  displayName: string;
  externalRef: string | null;
  phone: string | null;
  groups: TargetGroup[];
  skills: string[];
  location: GeoPoint;
  maxTravelKm: number | null;
  availability: WeeklyWindow[];
  breaks: WeeklyWindow[];
  accessibilityNeeds: AccessibilityFeature[];
  consent: { contact: boolean };
  createdAt: string;
  updatedAt: string;
}

export function candidateView(row: CandidateEntity): CandidateView {
  return {
    id: row.id,
    displayName: row.displayName ?? '',
    externalRef: row.externalRef,
    phone: row.phone,
    groups: row.groups,
    skills: row.skills,
    location: { lat: row.lat ?? 0, lng: row.lng ?? 0 },
    maxTravelKm: row.maxTravelKm,
    availability: row.availability,
    breaks: row.breaks,
    accessibilityNeeds: row.accessibilityNeeds,
    consent: { contact: row.consentContact },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
