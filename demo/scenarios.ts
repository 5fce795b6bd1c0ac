/**
 * The brief's two scenarios as synthetic data, generated from a fixed seed: the same scale gives the same
 * people, offers and places on every run. Names, phones and companies are made up; the places, groups,
 * offers and numbers are the ones the newspaper page describes (see /work/shared/BRIEF.md).
 *
 * - Dinghai Road street (Yangpu district, Shanghai): 30 benefit service points, 5 of them community
 *   canteens selling their idle after-lunch hour ("骑手特惠时段 13:00~14:00, 菜品七折") to riders, security
 *   guards and sanitation workers; a few thousand workers of the street's groups.
 * - The Baise union job fair (Tianyang district, Guangxi): 331 employers, 20,000 positions, 17,000 job
 *   seekers of the key groups, followed up by grass-roots unions and communities.
 */
import type { AccessibilityFeature, ServicePointKind, SlotKind, TargetGroup, WeeklyWindow } from '@huigong/domain';
import { Random } from './random';

export interface Point {
  lat: number;
  lng: number;
}

/** Bodies exactly as API v1 takes them. */
export interface CandidateBody {
  displayName: string;
  externalRef: string;
  phone: string;
  groups: TargetGroup[];
  skills: string[];
  location: Point;
  maxTravelKm: number;
  availability: WeeklyWindow[];
  breaks: WeeklyWindow[];
  accessibilityNeeds: AccessibilityFeature[];
  consent: { contact: boolean };
}

export interface OpeningBody {
  title: string;
  skills: string[];
  targetGroups: TargetGroup[];
  location: Point;
  radiusKm: number;
  shifts: WeeklyWindow[];
  accessibilityFeatures: AccessibilityFeature[];
  positions: number;
}

export interface SlotBody {
  title: string;
  kind: SlotKind;
  eligibleGroups: TargetGroup[];
  windows: WeeklyWindow[];
  capacity: number;
  offer: { discountPercent?: number; price?: number; description?: string };
  location: Point;
  radiusKm: number;
  accessibilityFeatures: AccessibilityFeature[];
}

/** A merchant's premises on the benefit map (POST /v1/service-points); its slots are published there. */
export interface ServicePointBody {
  name: string;
  kind: ServicePointKind;
  location: Point;
  openingHours: WeeklyWindow[];
  memberBenefit?: string;
}

export interface MerchantPlan {
  name: string;
  point?: ServicePointBody;
  slots: SlotBody[];
}

export interface EmployerPlan {
  name: string;
  openings: OpeningBody[];
}

export interface CaseworkerPlan {
  name: string;
  candidates: CandidateBody[];
}

export interface Scenario {
  key: 'street' | 'fair';
  title: string;
  caseworkers: CaseworkerPlan[];
  merchants: MerchantPlan[];
  employers: EmployerPlan[];
}

/** What the brief gives for scale 1. */
export const FULL_SCALE = {
  streetWorkers: 4_000,
  servicePoints: 30,
  fairEmployers: 331,
  fairPositions: 20_000,
  fairSeekers: 17_000,
};

const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];
const WEEKDAYS = [1, 2, 3, 4, 5];
const MON_TO_SAT = [1, 2, 3, 4, 5, 6];
const on = (days: readonly number[], start: string, end: string): WeeklyWindow[] => days.map((day) => ({ day, start, end }));

// --- people ---------------------------------------------------------------------------------------------

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '林',
  '罗',
  '高',
  '郑',
  '梁',
  '谢',
  '宋',
  '唐',
  '许',
  '韩',
  '冯',
  '邓',
  '曹',
];
/** Guangxi: Zhuang and local surnames are common among the job fair's seekers. */
const GUANGXI_SURNAMES = ['黄', '韦', '覃', '陆', '农', '蒙', '梁', '罗', '李', '陈', '莫', '潘', '廖', '卢', '苏', '凌', '岑', '黎', '班', '何'];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '霞',
  '平',
  '刚',
  '桂英',
  '建华',
  '志强',
  '海燕',
  '春梅',
  '国庆',
  '文杰',
  '小龙',
  '玉兰',
  '红梅',
  '建国',
  '德胜',
  '永福',
  '金凤',
  '少华',
  '美玲',
  '家豪',
  '振宇',
  '思琪',
];

function personName(random: Random, surnames: readonly string[]): string {
  return random.pick(surnames) + random.pick(GIVEN);
}

/** A mainland mobile number, written the way a caseworker types it. */
function phone(random: Random): string {
  const prefix = random.pick(['138', '139', '136', '137', '150', '151', '158', '159', '186', '187', '188', '177']);
  return `+86 ${prefix} ${String(random.int(0, 9999)).padStart(4, '0')} ${String(random.int(0, 9999)).padStart(4, '0')}`;
}

function needsOf(random: Random, groups: readonly TargetGroup[]): AccessibilityFeature[] {
  if (!groups.includes('disabled')) return [];
  return [
    random.weighted<AccessibilityFeature>([
      ['wheelchair', 4],
      ['sign_language', 3],
      ['visual', 2],
      ['quiet', 1],
    ]),
  ];
}

// --- Dinghai Road ---------------------------------------------------------------------------------------

/** Near Dinghai Road, Yangpu district, Shanghai. */
export const DINGHAI_ROAD: Point = { lat: 31.2705, lng: 121.549 };

interface StreetGroup {
  caseworker: number;
  share: number;
  person: (random: Random) => Pick<CandidateBody, 'groups' | 'skills' | 'breaks' | 'availability' | 'maxTravelKm'> & { spreadKm: number };
}

const STREET_CASEWORKERS = [
  '周婷(定海路街道总工会 新就业形态服务站)',
  '孙建国(鸿俊保安公司工会)',
  '朱丽(杨浦环卫定海分所工会)',
  '陈晨(滨江楼宇联合工会)',
  '马骏(定海路街道社区工作站)',
];

const STREET_GROUPS: StreetGroup[] = [
  {
    // Riders: lunch is their rush; they eat after it, wherever the last order left them.
    caseworker: 0,
    share: 32,
    person: (r) => ({
      groups: r.chance(0.35) ? ['rider', 'new_form'] : r.chance(0.2) ? ['rider', 'union_member'] : ['rider'],
      skills: ['delivery', 'e_bike'],
      breaks: on(
        ALL_DAYS,
        ...r.weighted<[string, string]>([
          [['13:00', '14:00'], 6],
          [['14:00', '15:00'], 2.5],
          [['13:30', '14:30'], 1.5],
        ]),
      ),
      availability: [],
      maxTravelKm: r.pick([2, 3, 3, 4]),
      spreadKm: 1.8,
    }),
  },
  {
    caseworker: 0,
    share: 8,
    person: () => ({
      groups: ['courier', 'new_form'],
      skills: ['delivery', 'sorting'],
      breaks: on(MON_TO_SAT, '12:30', '13:30'),
      availability: [],
      maxTravelKm: 3,
      spreadKm: 1.5,
    }),
  },
  {
    // Security guards: the day shift lunches late; the night shift (22:00-06:00) eats around midnight.
    caseworker: 1,
    share: 22,
    person: (r) => {
      const night = r.chance(0.45);
      const groups: TargetGroup[] = ['security_guard'];
      if (r.chance(0.25)) groups.push('veteran');
      if (r.chance(0.4)) groups.push('rural_migrant');
      return {
        groups,
        skills: ['security', 'fire_safety'],
        breaks: night ? [...on(ALL_DAYS, '00:00', '01:00'), ...on(ALL_DAYS, '06:00', '07:00')] : on(ALL_DAYS, '13:00', '14:00'),
        availability: night ? on(ALL_DAYS, '22:00', '06:00') : [],
        maxTravelKm: 2,
        spreadKm: 1,
      };
    },
  },
  {
    caseworker: 2,
    share: 12,
    person: (r) => ({
      groups: r.chance(0.3) ? ['sanitation', 'rural_migrant'] : ['sanitation'],
      skills: ['cleaning'],
      breaks: [...on(ALL_DAYS, '10:30', '11:30'), ...on(ALL_DAYS, '13:00', '14:00')],
      availability: [],
      maxTravelKm: 2,
      spreadKm: 1.2,
    }),
  },
  {
    // Office workers of the riverside buildings: union members, lunch at noon, free in the evening.
    caseworker: 3,
    share: 18,
    person: () => ({
      groups: ['union_member'],
      skills: [],
      breaks: [...on(WEEKDAYS, '12:00', '13:00'), ...on(WEEKDAYS, '18:30', '20:00'), { day: 6, start: '10:00', end: '12:00' }],
      availability: [],
      maxTravelKm: 2,
      spreadKm: 0.8,
    }),
  },
  {
    caseworker: 4,
    share: 8,
    person: (r) => ({
      groups: r.chance(0.5) ? ['flexible', 'union_member'] : ['flexible'],
      skills: r.sample(['housekeeping', 'cooking', 'driving_c1', 'repair'], 2),
      breaks: [...on(WEEKDAYS, '14:00', '16:00'), ...on(WEEKDAYS, '19:00', '21:00')],
      availability: [],
      maxTravelKm: 3,
      spreadKm: 1.5,
    }),
  },
];

interface ServicePointPlan {
  name: string;
  slots: (Omit<SlotBody, 'location' | 'radiusKm' | 'accessibilityFeatures'> & { radiusKm?: number; accessibilityFeatures?: AccessibilityFeature[] })[];
}

const STREET_MEAL_GROUPS: TargetGroup[] = ['rider', 'security_guard', 'sanitation'];
const RIDER_SPECIAL = '骑手特惠时段 13:00~14:00 菜品七折';

/** The 30 benefit service points of the street ("益企惠工"服务点), the 5 community canteens first. */
const SERVICE_POINTS: ServicePointPlan[] = [
  {
    name: '定海路社区食堂',
    slots: [
      {
        title: RIDER_SPECIAL,
        kind: 'meal',
        eligibleGroups: STREET_MEAL_GROUPS,
        windows: on(WEEKDAYS, '13:00', '14:00'),
        capacity: 40,
        offer: { discountPercent: 30, description: '菜品七折' },
        accessibilityFeatures: ['wheelchair'],
      },
    ],
  },
  {
    name: '隆昌路社区食堂',
    slots: [
      {
        title: RIDER_SPECIAL,
        kind: 'meal',
        eligibleGroups: STREET_MEAL_GROUPS,
        windows: on(ALL_DAYS, '13:00', '14:00'),
        capacity: 30,
        offer: { discountPercent: 30, description: '菜品七折' },
      },
    ],
  },
  {
    name: '周家嘴路社区食堂',
    slots: [
      {
        title: '错峰午餐 14:00~15:00 菜品七五折',
        kind: 'meal',
        eligibleGroups: STREET_MEAL_GROUPS,
        windows: on(WEEKDAYS, '14:00', '15:00'),
        capacity: 30,
        offer: { discountPercent: 25, description: '菜品七五折' },
      },
    ],
  },
  {
    name: '平凉路社区食堂',
    slots: [
      {
        title: RIDER_SPECIAL,
        kind: 'meal',
        eligibleGroups: STREET_MEAL_GROUPS,
        windows: on(WEEKDAYS, '13:00', '14:00'),
        capacity: 50,
        offer: { discountPercent: 30, description: '菜品七折' },
        accessibilityFeatures: ['wheelchair'],
      },
    ],
  },
  {
    name: '内江路社区食堂',
    slots: [
      {
        title: '环卫工人上午加餐 10:30~11:30',
        kind: 'meal',
        eligibleGroups: ['sanitation', 'security_guard'],
        windows: on(ALL_DAYS, '10:30', '11:30'),
        capacity: 20,
        offer: { price: 8, description: '热汤面 8 元' },
      },
    ],
  },
  {
    name: '老乡鸡(宝龙旭辉广场B1店)',
    slots: [
      {
        title: '骑手下午茶套餐',
        kind: 'meal',
        eligibleGroups: ['rider', 'courier', 'new_form'],
        windows: on(ALL_DAYS, '14:00', '16:00'),
        capacity: 30,
        offer: { discountPercent: 20 },
      },
    ],
  },
  {
    // Scenario 2: night guards; the Sunday window crosses midnight and the end of the week.
    name: '鸿俊保安公司建设者之家职工食堂',
    slots: [
      {
        title: '夜班夜宵 23:30~00:30',
        kind: 'meal',
        eligibleGroups: ['security_guard', 'sanitation'],
        windows: on(ALL_DAYS, '23:30', '00:30'),
        capacity: 25,
        offer: { price: 6, description: '夜宵一份 6 元' },
      },
    ],
  },
  ...['小毛发型设计室', '阿强理发店', '剪艺坊', '青丝美发'].map((name, i) => ({
    name,
    slots: [
      {
        title: '工会会员理发优惠',
        kind: 'haircut' as const,
        eligibleGroups: ['union_member', 'rider', 'sanitation', 'security_guard'] as TargetGroup[],
        windows: [...on(WEEKDAYS, '18:00', '21:00'), { day: 6, start: '10:00', end: '16:00' }],
        capacity: 3 + (i % 2),
        offer: { discountPercent: 20 },
      },
    ],
  })),
  {
    name: '汉庭酒店(定海路店)',
    slots: [
      {
        title: '来沪团聚职工家属协议价',
        kind: 'lodging',
        eligibleGroups: ['rural_migrant', 'security_guard', 'sanitation', 'rider'],
        windows: on([5, 6, 7], '12:00', '22:00'),
        capacity: 8,
        offer: { price: 199, description: '街道协议价 199 元/晚' },
        radiusKm: 5,
      },
    ],
  },
  {
    name: '海大科技园职工之家',
    slots: [
      {
        title: '初来乍到职工临时住宿',
        kind: 'lodging',
        eligibleGroups: ['rural_migrant', 'flexible', 'new_form'],
        windows: on(ALL_DAYS, '20:00', '08:00'),
        capacity: 12,
        offer: { price: 30, description: '临时住宿 30 元/晚' },
        radiusKm: 5,
      },
    ],
  },
  ...['老周电动车维修', '顺风车行', '骑士驿站维修点', '杨浦电动车快修', '定海电驴之家'].map((name, i) => ({
    name,
    slots: [
      {
        title: '骑手电动车保养八折',
        kind: 'repair' as const,
        eligibleGroups: ['rider', 'courier', 'new_form'] as TargetGroup[],
        windows: on(ALL_DAYS, i % 2 === 0 ? '14:00' : '14:30', '17:00'),
        capacity: 4,
        offer: { discountPercent: 20 },
      },
    ],
  })),
  {
    name: '惠民手机维修',
    slots: [
      {
        title: '骑手手机快修',
        kind: 'repair',
        eligibleGroups: ['rider', 'courier'],
        windows: on(ALL_DAYS, '14:00', '16:00'),
        capacity: 3,
        offer: { discountPercent: 15 },
      },
    ],
  },
  {
    name: '定海路职工夜校',
    slots: [
      {
        title: '技能培训与美学课程',
        kind: 'course',
        eligibleGroups: ['union_member', 'rider', 'courier', 'flexible', 'new_form', 'security_guard'],
        windows: on([2, 4], '19:00', '21:00'),
        capacity: 40,
        offer: { price: 0, description: '免费' },
        radiusKm: 4,
      },
    ],
  },
  {
    name: '上海国际时尚中心户外职工爱心接力站',
    slots: [
      {
        title: '凌晨热水与休息',
        kind: 'other',
        eligibleGroups: ['sanitation', 'security_guard', 'rider', 'courier'],
        windows: on(ALL_DAYS, '05:30', '07:00'),
        capacity: 20,
        offer: { price: 0, description: '热水、微波炉、休息座椅' },
      },
    ],
  },
  {
    name: '定海便利店',
    slots: [
      {
        title: '午后热食八五折',
        kind: 'meal',
        eligibleGroups: ['rider', 'courier', 'sanitation'],
        windows: on(ALL_DAYS, '14:00', '15:30'),
        capacity: 15,
        offer: { discountPercent: 15 },
      },
    ],
  },
  {
    name: '清风洗衣坊',
    slots: [
      {
        title: '工服清洗优惠',
        kind: 'other',
        eligibleGroups: ['security_guard', 'sanitation'],
        windows: on(ALL_DAYS, '06:00', '08:00'),
        capacity: 10,
        offer: { discountPercent: 30 },
      },
    ],
  },
  {
    name: '益康大药房',
    slots: [
      {
        title: '户外职工防暑药品',
        kind: 'other',
        eligibleGroups: ['sanitation', 'rider', 'courier', 'security_guard'],
        windows: on(ALL_DAYS, '13:00', '15:00'),
        capacity: 10,
        offer: { discountPercent: 10 },
      },
    ],
  },
  {
    name: '骑士之家茶饮',
    slots: [
      {
        title: '骑手解暑茶饮',
        kind: 'meal',
        eligibleGroups: ['rider', 'courier', 'new_form'],
        windows: on(ALL_DAYS, '13:30', '15:30'),
        capacity: 20,
        offer: { price: 3, description: '凉茶 3 元' },
      },
    ],
  },
  {
    name: '平凉浴室',
    slots: [
      {
        title: '夜班职工淋浴',
        kind: 'other',
        eligibleGroups: ['security_guard', 'sanitation'],
        windows: on(ALL_DAYS, '06:00', '08:00'),
        capacity: 8,
        offer: { price: 10 },
      },
    ],
  },
  {
    name: '明亮眼镜店',
    slots: [
      {
        title: '工会会员验光配镜优惠',
        kind: 'other',
        eligibleGroups: ['union_member'],
        windows: [...on(WEEKDAYS, '18:30', '20:30'), { day: 6, start: '10:00', end: '17:00' }],
        capacity: 2,
        offer: { discountPercent: 25 },
      },
    ],
  },
  {
    name: '巧手修鞋铺',
    slots: [
      {
        title: '工作鞋修补',
        kind: 'repair',
        eligibleGroups: ['sanitation', 'security_guard', 'rider'],
        windows: on(ALL_DAYS, '10:00', '12:00'),
        capacity: 3,
        offer: { discountPercent: 30 },
      },
    ],
  },
  {
    name: '滨江职工健身驿站',
    slots: [
      {
        title: '下班后健身体验',
        kind: 'other',
        eligibleGroups: ['union_member'],
        windows: on(WEEKDAYS, '18:30', '21:00'),
        capacity: 15,
        offer: { price: 0, description: '免费体验' },
      },
    ],
  },
  {
    name: '定海路职工书屋',
    slots: [
      {
        title: '夜班后阅读休息',
        kind: 'other',
        eligibleGroups: ['security_guard', 'sanitation', 'flexible'],
        windows: on(ALL_DAYS, '06:00', '09:00'),
        capacity: 12,
        offer: { price: 0, description: '免费' },
      },
    ],
  },
];

/** What kind of premises a service point of the street is, by its name. */
function pointKind(name: string): ServicePointKind {
  if (name.includes('食堂')) return 'canteen';
  if (name.includes('老乡鸡') || name.includes('茶饮')) return 'restaurant';
  if (name.includes('理发') || name.includes('美发')) return 'barber';
  if (name.includes('酒店')) return 'hotel';
  if (name.includes('维修') || name.includes('修鞋') || name.includes('眼镜')) return 'repair';
  if (name.includes('驿站') || name.includes('职工之家') || name.includes('接力站') || name.includes('书屋') || name.includes('夜校')) return 'station';
  return 'other';
}

/** The standing benefit a point of this kind gives union members (the seed: a member discount, an agreement price). */
function memberBenefitOf(kind: ServicePointKind): string {
  if (kind === 'barber') return '工会会员理发优惠';
  if (kind === 'hotel') return '职工家属来沪探亲协议价';
  if (kind === 'station') return '免费休息、饮水、充电';
  return '工会会员凭会员卡享受优惠';
}

function streetScenario(scale: number): Scenario {
  const random = new Random(20_250_610);
  const centreSpread = 1.2;
  const merchants: MerchantPlan[] = SERVICE_POINTS.slice(0, FULL_SCALE.servicePoints).map((point) => {
    const location = random.near(DINGHAI_ROAD, centreSpread);
    const kind = pointKind(point.name);
    return {
      name: point.name,
      point: {
        name: point.name,
        kind,
        location,
        openingHours: kind === 'canteen' ? on(ALL_DAYS, '10:30', '19:30') : on(ALL_DAYS, '09:00', '21:00'),
        ...(point.slots.length === 0 || kind === 'barber' || kind === 'hotel' ? { memberBenefit: memberBenefitOf(kind) } : {}),
      },
      slots: point.slots.map((slot) => ({ radiusKm: 3, accessibilityFeatures: [], ...slot, location })),
    };
  });
  const caseworkers: CaseworkerPlan[] = STREET_CASEWORKERS.map((name) => ({ name, candidates: [] }));
  const workers = Math.max(20, Math.round(FULL_SCALE.streetWorkers * scale));
  const shares = STREET_GROUPS.map((group, index) => [index, group.share] as const);
  for (let n = 1; n <= workers; n++) {
    const group = STREET_GROUPS[random.weighted(shares)];
    const { spreadKm, ...profile } = group.person(random);
    const groups = [...profile.groups];
    if (random.chance(0.03)) groups.push('hardship');
    if (random.chance(0.015)) groups.push('disabled');
    caseworkers[group.caseworker].candidates.push({
      displayName: personName(random, SURNAMES),
      externalRef: `DHL-${String(n).padStart(5, '0')}`,
      phone: phone(random),
      ...profile,
      groups,
      location: random.near(DINGHAI_ROAD, spreadKm),
      accessibilityNeeds: needsOf(random, groups),
      consent: { contact: random.chance(0.97) },
    });
  }
  return { key: 'street', title: 'Dinghai Road street, Yangpu, Shanghai (off-peak benefit plan)', caseworkers, merchants, employers: [] };
}

// --- the Baise job fair ---------------------------------------------------------------------------------

/** Tianyang district, Baise, Guangxi, and where its people live. */
const TIANYANG: Point = { lat: 23.7355, lng: 106.9157 };
const TOWNS: { name: string; offset: [number, number]; weight: number }[] = [
  { name: '田州镇', offset: [0, 0], weight: 25 },
  { name: '那坡镇', offset: [0.06, -0.1], weight: 8 },
  { name: '百育镇', offset: [-0.05, 0.12], weight: 8 },
  { name: '头塘镇', offset: [-0.08, -0.05], weight: 8 },
  { name: '玉凤镇', offset: [0.1, 0.05], weight: 6 },
  { name: '坡洪镇', offset: [-0.2, 0.03], weight: 6 },
  { name: '五村镇', offset: [-0.18, -0.15], weight: 5 },
  { name: '那满镇', offset: [0.08, -0.16], weight: 6 },
  { name: '洞靖镇', offset: [-0.25, -0.1], weight: 4 },
  { name: '右江区', offset: [0.167, -0.298], weight: 24 },
];
const townPoint = (town: (typeof TOWNS)[number]): Point => ({ lat: TIANYANG.lat + town.offset[0], lng: TIANYANG.lng + town.offset[1] });

const FAIR_CASEWORKERS = [
  ...TOWNS.map((town, i) => `${GUANGXI_SURNAMES[i]}${GIVEN[i * 3 + 1]}(${town.name === '右江区' ? '右江区迎龙社区' : `${town.name}总工会`})`),
  '农国庆(田阳区退役军人服务站)',
  '韦春梅(田阳区残联就业服务中心)',
];
const VETERANS_DESK = TOWNS.length;

/** The fair's town desks (their caseworkers' names) and the town each follows up: a fair's areas. */
export function fairTownDesks(): { caseworker: string; town: string; location: Point }[] {
  return TOWNS.map((town, desk) => ({ caseworker: FAIR_CASEWORKERS[desk], town: town.name, location: townPoint(town) }));
}
const DISABILITY_DESK = TOWNS.length + 1;

interface Industry {
  name: string;
  suffix: string;
  weight: number;
  /** Where its employers are: an industrial park, the towns, or Baise city. */
  site: 'park' | 'town' | 'city';
  jobs: { title: string; skills: string[]; shift: 'day' | 'night' | 'service' | 'office'; positions: [number, number] }[];
}

const INDUSTRIES: Industry[] = [
  {
    name: 'aluminium',
    suffix: '铝业有限公司',
    weight: 12,
    site: 'park',
    jobs: [
      { title: '铝型材挤压操作工', skills: ['machine_operation', 'aluminium_extrusion'], shift: 'day', positions: [20, 120] },
      { title: '夜班普工', skills: [], shift: 'night', positions: [10, 80] },
      { title: '叉车司机', skills: ['forklift'], shift: 'day', positions: [3, 12] },
      { title: '质检员', skills: ['quality_inspection'], shift: 'day', positions: [3, 15] },
      { title: '电工', skills: ['electrician'], shift: 'day', positions: [2, 8] },
    ],
  },
  {
    name: 'food',
    suffix: '食品科技有限公司',
    weight: 12,
    site: 'town',
    jobs: [
      { title: '芒果分拣包装工', skills: ['fruit_sorting', 'packing'], shift: 'day', positions: [20, 100] },
      { title: '冷链仓管员', skills: ['warehouse', 'cold_chain'], shift: 'day', positions: [2, 10] },
      { title: '食品生产线操作工', skills: ['machine_operation', 'food_safety'], shift: 'day', positions: [10, 60] },
    ],
  },
  {
    name: 'electronics',
    suffix: '电子科技有限公司',
    weight: 9,
    site: 'park',
    jobs: [
      { title: '电子装配工', skills: ['assembly'], shift: 'day', positions: [20, 150] },
      { title: '焊锡工', skills: ['soldering'], shift: 'day', positions: [5, 30] },
      { title: '夜班装配工', skills: ['assembly'], shift: 'night', positions: [10, 60] },
    ],
  },
  {
    name: 'garments',
    suffix: '服饰有限公司',
    weight: 6,
    site: 'town',
    jobs: [
      { title: '缝纫工', skills: ['sewing'], shift: 'day', positions: [10, 60] },
      { title: '整烫包装工', skills: ['ironing', 'packing'], shift: 'day', positions: [5, 30] },
    ],
  },
  {
    name: 'logistics',
    suffix: '物流有限公司',
    weight: 8,
    site: 'city',
    jobs: [
      { title: '仓库分拣员', skills: ['sorting', 'warehouse'], shift: 'night', positions: [10, 50] },
      { title: '货车司机', skills: ['driving_c1'], shift: 'day', positions: [3, 15] },
      { title: '快递配送员', skills: ['delivery', 'e_bike'], shift: 'service', positions: [5, 30] },
    ],
  },
  {
    name: 'retail',
    suffix: '百货有限公司',
    weight: 9,
    site: 'city',
    jobs: [
      { title: '收银员', skills: ['cashier'], shift: 'service', positions: [3, 20] },
      { title: '导购员', skills: ['sales', 'customer_service'], shift: 'service', positions: [3, 20] },
      { title: '理货员', skills: ['warehouse'], shift: 'service', positions: [2, 10] },
    ],
  },
  {
    name: 'hospitality',
    suffix: '酒店管理有限公司',
    weight: 7,
    site: 'city',
    jobs: [
      { title: '客房服务员', skills: ['housekeeping'], shift: 'service', positions: [3, 20] },
      { title: '厨师', skills: ['cooking', 'food_safety'], shift: 'service', positions: [2, 8] },
      { title: '餐厅服务员', skills: ['waiting_tables', 'customer_service'], shift: 'service', positions: [3, 20] },
    ],
  },
  {
    name: 'telecom',
    suffix: '通信服务有限公司',
    weight: 4,
    site: 'city',
    jobs: [
      { title: '营业厅客服', skills: ['customer_service', 'sales'], shift: 'service', positions: [2, 10] },
      { title: '宽带装维工程师', skills: ['network_install', 'electrician'], shift: 'office', positions: [2, 12] },
    ],
  },
  {
    name: 'ecommerce',
    suffix: '电子商务有限公司',
    weight: 8,
    site: 'town',
    jobs: [
      { title: '直播带货主播', skills: ['livestream_sales', 'customer_service'], shift: 'service', positions: [2, 10] },
      { title: '电商打包员', skills: ['packing'], shift: 'day', positions: [5, 40] },
      { title: '网店客服', skills: ['customer_service'], shift: 'office', positions: [2, 15] },
    ],
  },
  {
    name: 'construction',
    suffix: '建材有限公司',
    weight: 6,
    site: 'park',
    jobs: [
      { title: '电焊工', skills: ['welding'], shift: 'day', positions: [3, 20] },
      { title: '搅拌站操作工', skills: ['machine_operation'], shift: 'day', positions: [3, 15] },
    ],
  },
  {
    name: 'property',
    suffix: '物业服务有限公司',
    weight: 7,
    site: 'city',
    jobs: [
      { title: '保安员', skills: ['security', 'fire_safety'], shift: 'night', positions: [5, 30] },
      { title: '保洁员', skills: ['cleaning'], shift: 'service', positions: [5, 30] },
      { title: '维修电工', skills: ['electrician', 'repair'], shift: 'office', positions: [1, 5] },
    ],
  },
  {
    name: 'energy',
    suffix: '新能源科技有限公司',
    weight: 4,
    site: 'park',
    jobs: [
      { title: '电池组装工', skills: ['assembly', 'machine_operation'], shift: 'day', positions: [20, 100] },
      { title: '设备维护员', skills: ['electrician', 'repair'], shift: 'day', positions: [2, 10] },
    ],
  },
  {
    name: 'agriculture',
    suffix: '农业发展有限公司',
    weight: 8,
    site: 'town',
    jobs: [
      { title: '果园管护工', skills: ['fruit_growing'], shift: 'day', positions: [10, 60] },
      { title: '农产品分拣工', skills: ['fruit_sorting', 'packing'], shift: 'day', positions: [10, 50] },
    ],
  },
];

const COMPANY_PREFIXES = ['田阳', '百色', '右江', '田东', '广西', '桂西', '壮乡'];
const COMPANY_CORES = [
  '华兴',
  '鑫源',
  '恒达',
  '南华',
  '金穗',
  '瑞丰',
  '宏图',
  '嘉禾',
  '盛世',
  '永安',
  '东盛',
  '锦程',
  '福瑞',
  '新桂',
  '红城',
  '德润',
  '汇通',
  '长青',
  '百川',
  '祥和',
  '兴旺',
  '富民',
  '乐业',
  '天成',
  '裕丰',
  '同心',
  '顺达',
  '鸿运',
  '佳美',
  '优品',
  '果丰',
  '芒乡',
  '银河',
  '金凤',
  '立信',
  '诚信',
  '远航',
  '振华',
  '新城',
  '益民',
  '聚力',
  '和美',
];

const SHIFTS: Record<Industry['jobs'][number]['shift'], (r: Random) => WeeklyWindow[]> = {
  day: (r) => on(r.chance(0.7) ? MON_TO_SAT : WEEKDAYS, '08:00', '17:00'),
  night: () => on(MON_TO_SAT, '20:00', '05:00'),
  service: (r) => on(r.sample(ALL_DAYS, 5).sort(), r.chance(0.5) ? '09:30' : '10:00', r.chance(0.5) ? '18:30' : '19:00'),
  office: () => on(WEEKDAYS, '09:00', '17:30'),
};

/** The groups the fair targets (重点群体) and how common each is among its seekers. */
const SEEKER_GROUPS: [TargetGroup, number][] = [
  ['rural_migrant', 34],
  ['laid_off', 12],
  ['veteran', 8],
  ['reassignment', 6],
  ['flexible', 14],
  ['new_form', 8],
  ['hardship', 5],
  ['disabled', 3],
  ['union_member', 5],
  ['rider', 3],
  ['courier', 2],
];
const WELCOMED_GROUPS: TargetGroup[] = ['veteran', 'rural_migrant', 'laid_off', 'reassignment', 'hardship', 'disabled', 'flexible', 'new_form'];

const AVAILABILITY: [(r: Random) => WeeklyWindow[], number][] = [
  [() => on(MON_TO_SAT, '07:30', '18:00'), 45],
  [() => on(ALL_DAYS, '08:00', '20:00'), 20],
  [() => on(WEEKDAYS, '08:00', '18:00'), 15],
  [() => on(ALL_DAYS, '19:00', '06:00'), 10],
  [() => on(WEEKDAYS, '08:00', '12:00'), 5],
  [() => on(ALL_DAYS, '09:00', '22:00'), 5],
];

/** Spreads `total` over `weights` in whole numbers of at least 1 each (largest remainders), in order. */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const base = weights.map((w) => Math.max(1, Math.floor((w / sum) * total)));
  let left = total - base.reduce((a, b) => a + b, 0);
  const order = weights.map((w, i) => [i, (w / sum) * total - Math.floor((w / sum) * total)] as const).sort((a, b) => b[1] - a[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) base[order[k][0]] += 1;
  for (let k = base.length - 1; left < 0; k = (k - 1 + base.length) % base.length) {
    if (base[k] > 1) {
      base[k] -= 1;
      left += 1;
    }
  }
  return base;
}

function fairScenario(scale: number): Scenario {
  const random = new Random(20_250_612);
  const parks: Point[] = [
    { lat: TIANYANG.lat + 0.045, lng: TIANYANG.lng + 0.05 }, // the aluminium industry park east of the town
    { lat: TIANYANG.lat + 0.12, lng: TIANYANG.lng - 0.21 }, // Baise's high-tech zone
  ];
  const employerCount = Math.max(3, Math.round(FULL_SCALE.fairEmployers * scale));
  const seekerCount = Math.max(50, Math.round(FULL_SCALE.fairSeekers * scale));
  const positionTotal = Math.max(30, Math.round(FULL_SCALE.fairPositions * scale));

  // Employers and their openings, positions drawn first and then scaled to the fair's total.
  const names = new Set<string>();
  const drafts: { name: string; openings: { opening: Omit<OpeningBody, 'positions'>; weight: number }[] }[] = [];
  for (let e = 0; e < employerCount; e++) {
    const industry = random.weighted(INDUSTRIES.map((i) => [i, i.weight] as const));
    let name: string;
    do name = `${random.pick(COMPANY_PREFIXES)}${random.pick(COMPANY_CORES)}${industry.suffix}`;
    while (names.has(name));
    names.add(name);
    const site =
      industry.site === 'park'
        ? random.near(random.pick(parks), 1.5)
        : industry.site === 'city'
          ? random.near(townPoint(TOWNS[TOWNS.length - 1]), 3)
          : random.near(townPoint(random.pick(TOWNS)), 2);
    const openings = random.sample(industry.jobs, Math.min(industry.jobs.length, random.int(1, 4))).map((job) => {
      const welcomesAll = random.chance(0.35);
      const targetGroups = welcomesAll ? [] : random.sample(WELCOMED_GROUPS, random.int(2, 4));
      const accessible = targetGroups.includes('disabled') || random.chance(0.08);
      const opening: Omit<OpeningBody, 'positions'> = {
        title: job.title,
        skills: job.skills,
        targetGroups,
        location: site,
        // Factories with dormitories recruit from the whole district; shops from nearer by.
        radiusKm: industry.site === 'park' ? random.pick([30, 40, 50]) : industry.site === 'town' ? random.pick([15, 20, 30]) : random.pick([10, 15, 20]),
        shifts: SHIFTS[job.shift](random),
        accessibilityFeatures: accessible ? (random.chance(0.3) ? ['wheelchair', 'sign_language'] : ['wheelchair']) : [],
      };
      return { opening, weight: random.int(job.positions[0], job.positions[1]) };
    });
    drafts.push({ name, openings });
  }
  const flat = drafts.flatMap((draft) => draft.openings);
  const positions = apportion(
    Math.max(positionTotal, flat.length),
    flat.map((opening) => opening.weight),
  );
  let k = 0;
  const employers: EmployerPlan[] = drafts.map((draft) => ({
    name: draft.name,
    openings: draft.openings.map(({ opening }) => ({ ...opening, positions: Math.min(10_000, positions[k++]) })),
  }));

  const caseworkers: CaseworkerPlan[] = FAIR_CASEWORKERS.map((name) => ({ name, candidates: [] }));
  const allSkills = [...new Set(INDUSTRIES.flatMap((industry) => industry.jobs.flatMap((job) => job.skills)))];
  for (let n = 1; n <= seekerCount; n++) {
    const townIndex = random.weighted(TOWNS.map((town, i) => [i, town.weight] as const));
    const groups = new Set<TargetGroup>([random.weighted(SEEKER_GROUPS)]);
    if (random.chance(0.15)) groups.add(random.weighted(SEEKER_GROUPS));
    const list = [...groups];
    // Skills from a trade the person has worked in, and maybe a driving licence.
    const trade = random.weighted(INDUSTRIES.map((i) => [i, i.weight] as const));
    const skills = new Set(random.pick(trade.jobs).skills);
    if (random.chance(0.3)) skills.add(random.pick(allSkills));
    if (random.chance(0.2)) skills.add('driving_c1');
    const desk = list.includes('disabled') ? DISABILITY_DESK : list.includes('veteran') && random.chance(0.6) ? VETERANS_DESK : townIndex;
    caseworkers[desk].candidates.push({
      displayName: personName(random, GUANGXI_SURNAMES),
      externalRef: `BS-${String(n).padStart(6, '0')}`,
      phone: phone(random),
      groups: list,
      skills: [...skills],
      location: random.near(townPoint(TOWNS[townIndex]), 3),
      maxTravelKm: random.weighted([
        [10, 2],
        [20, 3],
        [30, 3],
        [50, 2],
      ]),
      availability: random.weighted(AVAILABILITY)(random),
      breaks: [],
      accessibilityNeeds: needsOf(random, list),
      consent: { contact: random.chance(0.96) },
    });
  }
  return { key: 'fair', title: 'Baise union job fair, Tianyang district, Guangxi (工会帮就业)', caseworkers, merchants: [], employers };
}

/** Both scenarios at `scale` (1 = the brief's numbers). */
export function demoScenarios(scale: number): Scenario[] {
  return [streetScenario(scale), fairScenario(scale)];
}
