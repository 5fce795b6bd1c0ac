/**
 * The Kubernetes example (docker/k8s) against the schemas of what it declares and against the code it runs:
 * each document is built with its kubernetes-models class and validated (wrong types, and fields the schema
 * does not have), then checked as an operator would: the variables the processes read, the health routes
 * and ports the probes ask, one matcher per region, the notifier scaled on its queue's wait list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet, type IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ScaledObject, type IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication, type ITriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import type { TypeMeta } from '@kubernetes-models/base';
import { QueueName, queuePrefix } from '@huigong/messaging';
import { CONFIG_VARIABLES, loadConfig } from '@huigong/platform';

const K8S = join(process.cwd(), 'docker', 'k8s');

interface Validated {
  validate(): void;
}
/** A kubernetes-models class: its apiVersion and kind, and a constructor whose instance validates. */
interface ModelClass<T> {
  apiVersion: string;
  kind: string;
  is(value: unknown): value is T;
  new (data: T): Validated;
}
function model<T>(cls: ModelClass<T>): [string, (doc: unknown) => Validated] {
  return [`${cls.apiVersion} ${cls.kind}`, (doc) => new cls(doc as T)];
}
/** Every kind the example may use; a document of any other kind fails the suite until it is added here. */
const MODELS = new Map([
  model(ConfigMap),
  model(Service),
  model(Deployment),
  model(StatefulSet),
  model(HorizontalPodAutoscaler),
  model(PodDisruptionBudget),
  model(ScaledObject),
  model(TriggerAuthentication),
]);

interface Document {
  /** `api.yaml#2` */
  where: string;
  body: TypeMeta & { metadata?: { name?: string } };
}

function readManifests(): { kustomization: Record<string, unknown>; files: string[]; documents: Document[] } {
  const files = readdirSync(K8S)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
  let kustomization: Record<string, unknown> = {};
  const documents: Document[] = [];
  for (const file of files) {
    const parsed = parseAllDocuments(readFileSync(join(K8S, file), 'utf8'));
    if (!Array.isArray(parsed)) throw new Error(`${file}: no YAML documents`);
    parsed.forEach((document, index) => {
      const problems = [...document.errors, ...document.warnings];
      if (problems.length > 0) throw new Error(`${file}#${index + 1}: ${problems.map((problem) => problem.message).join('; ')}`);
      const body: unknown = document.toJS();
      if (body === null || body === undefined) return;
      if (typeof body !== 'object' || Array.isArray(body)) throw new Error(`${file}#${index + 1} is not a mapping`);
      if (file === 'kustomization.yaml') kustomization = body as Record<string, unknown>;
      else documents.push({ where: `${file}#${index + 1}`, body: body as Document['body'] });
    });
  }
  return { kustomization, files: files.filter((file) => file !== 'kustomization.yaml'), documents };
}

/**
 * Paths of the fields of `data` that `validate` never read, checking `data` with the model's own validator:
 * fields its schema does not define (a typo such as `readinesProbe` that the schema alone lets through, as
 * Kubernetes' schemas do not forbid unknown fields). Maps (labels, a ConfigMap's data, a trigger's
 * metadata) are walked key by key by the validator, so their keys count as read.
 */
function fieldsUnknownToSchema(instance: Validated, data: object): string[] {
  const read = new Set<string>();
  const watch = (value: unknown, path: string): unknown =>
    typeof value === 'object' && value !== null
      ? new Proxy(value, {
          get(target, key, receiver) {
            const child: unknown = Reflect.get(target, key, receiver);
            if (typeof key !== 'string') return child;
            read.add(`${path}/${key}`);
            return watch(child, `${path}/${key}`);
          },
        })
      : value;
  instance.validate.call(watch(data, ''));
  const unknown: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (read.has(`${path}/${key}`)) walk(child, `${path}/${key}`);
      else unknown.push(`${path}/${key}`);
    }
  };
  walk(data, '');
  return unknown;
}

const { kustomization, files, documents } = readManifests();
const bodies = documents.map((document) => document.body);
const named = (document: Document): string => `${document.where} ${document.body.kind} ${document.body.metadata?.name ?? '(no name)'}`;

const configMaps = bodies.filter((body): body is IConfigMap => ConfigMap.is(body));
const deployments = bodies.filter((body): body is IDeployment => Deployment.is(body));
const statefulSets = bodies.filter((body): body is IStatefulSet => StatefulSet.is(body));
const services = bodies.filter((body): body is IService => Service.is(body));
const autoscalers = bodies.filter((body): body is IHorizontalPodAutoscaler => HorizontalPodAutoscaler.is(body));
const budgets = bodies.filter((body): body is IPodDisruptionBudget => PodDisruptionBudget.is(body));
const scaledObjects = bodies.filter((body): body is IScaledObject => ScaledObject.is(body));
const triggerAuthentications = bodies.filter((body): body is ITriggerAuthentication => TriggerAuthentication.is(body));

type Process = 'api' | 'matcher' | 'notifier';
interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  labels: Record<string, string>;
  replicas: number | undefined;
  containers: IContainer[];
}
const workloads: Workload[] = [...deployments, ...statefulSets].map((body) => ({
  kind: body.kind,
  name: body.metadata?.name ?? '',
  labels: body.spec?.template.metadata?.labels ?? {},
  replicas: body.spec?.replicas,
  containers: body.spec?.template.spec?.containers ?? [],
}));

/** Which of the three processes a container runs, from its command (`node [flags] dist/apps/<process>/src/main.js`). */
function processOf(container: IContainer): Process | undefined {
  const command = [...(container.command ?? []), ...(container.args ?? [])];
  const main = /^dist\/apps\/(api|matcher|notifier)\/src\/main\.js$/.exec(command.at(-1) ?? '');
  return command[0] === 'node' && main !== null ? (main[1] as Process) : undefined;
}

/** What the image itself sets (docker/Dockerfile's ENV lines): NODE_ENV=production. */
const IMAGE_ENV = Object.fromEntries(
  [...readFileSync(join(process.cwd(), 'docker', 'Dockerfile'), 'utf8').matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]),
);
/** Stand-ins for the Secret's values, which are not in the repository. */
const SECRET_STAND_INS: Record<string, string> = {
  DATABASE_URL: 'postgres://huigong:password@postgres:5432/huigong',
  REDIS_URL: 'redis://:password@redis-cluster-0:6379',
  ADMIN_API_KEY: 'hg_admin_a_key_of_at_least_24_characters',
};

/** The environment a container starts with: the image's, then envFrom (ConfigMaps), then env; secrets by stand-ins. */
function environmentOf(container: IContainer): Partial<Record<string, string>> {
  const env: Partial<Record<string, string>> = { ...IMAGE_ENV };
  for (const source of container.envFrom ?? []) {
    if (source.secretRef !== undefined) throw new Error(`${container.name}: envFrom a Secret hides which variables are set; name each in env`);
    const map = configMaps.find((candidate) => candidate.metadata?.name === source.configMapRef?.name);
    if (map === undefined) throw new Error(`${container.name}: envFrom names ConfigMap ${source.configMapRef?.name ?? '?'}, which is not in docker/k8s`);
    Object.assign(env, map.data);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    const mapKey = variable.valueFrom?.configMapKeyRef;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (secret !== undefined) {
      const standIn = SECRET_STAND_INS[variable.name] as string | undefined;
      if (standIn !== undefined) env[variable.name] = standIn;
      else if (secret.optional !== true) throw new Error(`${container.name}: ${variable.name} comes from a Secret: give the test a stand-in for it`);
    } else if (mapKey !== undefined) {
      const value = configMaps.find((candidate) => candidate.metadata?.name === mapKey.name)?.data?.[mapKey.key];
      if (value !== undefined) env[variable.name] = value;
    }
  }
  return env;
}

/** The port a probe asks: a number, or the name of one of the container's ports. */
function probePort(container: IContainer, probe: IProbe | undefined): { path: string | undefined; port: number | undefined } {
  const port = probe?.httpGet?.port;
  const number = typeof port === 'string' ? container.ports?.find((candidate) => candidate.name === port)?.containerPort : port;
  return { path: probe?.httpGet?.path, port: number };
}

/** MATCHER_REGIONS: `name:minLon,minLat,maxLon,maxLat;...` */
function parseRegions(text: string): string[] {
  return text.split(';').map((entry) => {
    const match = /^([a-z0-9-]+):(-?[\d.]+),(-?[\d.]+),(-?[\d.]+),(-?[\d.]+)$/.exec(entry.trim());
    if (match === null) throw new Error(`MATCHER_REGIONS: "${entry}" is not name:minLon,minLat,maxLon,maxLat`);
    const [minLon, minLat, maxLon, maxLat] = match.slice(2).map(Number);
    if (!(minLon < maxLon && minLat < maxLat && minLon >= -180 && maxLon <= 180 && minLat >= -90 && maxLat <= 90)) {
      throw new Error(`MATCHER_REGIONS: "${entry}" is not a rectangle of longitudes and latitudes`);
    }
    return match[1];
  });
}

const matchesSelector = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('docker/k8s', () => {
  it('kustomization.yaml lists every manifest of the directory, and only those', () => {
    expect(kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
    expect([...(kustomization.resources as string[])].sort()).toEqual(files);
  });

  it('names each object once per kind', () => {
    const keys = bodies.map((body) => `${body.kind}/${body.metadata?.name ?? ''}`);
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
    expect(bodies.filter((body) => !body.metadata?.name)).toEqual([]);
  });

  describe.each(documents.map((document) => [named(document), document] as const))('%s', (_, document) => {
    it('is of a kind this suite knows, and valid against its schema with no field the schema lacks', () => {
      const construct = MODELS.get(`${document.body.apiVersion} ${document.body.kind}`);
      if (construct === undefined)
        throw new Error(`${named(document)}: ${document.body.apiVersion} ${document.body.kind} is a kind this suite has no model for`);
      const instance = construct(document.body);
      instance.validate();
      expect(fieldsUnknownToSchema(instance, document.body)).toEqual([]);
    });
  });

  it('runs each process with only variables app-config.ts reads', () => {
    const known = new Set<string>(CONFIG_VARIABLES);
    const unknown = workloads.flatMap((workload) =>
      workload.containers.flatMap((container) =>
        Object.keys(environmentOf(container))
          .filter((name) => !known.has(name))
          .map((name) => `${workload.name}: ${name}`),
      ),
    );
    expect(unknown).toEqual([]);
  });

  it('runs each of the three processes, each container with a configuration loadConfig accepts', () => {
    const processes = workloads.flatMap((workload) => workload.containers.map((container) => processOf(container)));
    expect(processes).not.toContain(undefined);
    expect(new Set(processes)).toEqual(new Set(['api', 'matcher', 'notifier']));
    for (const workload of workloads) {
      for (const container of workload.containers) expect(() => loadConfig(environmentOf(container))).not.toThrow();
    }
  });

  it('asks readiness on /health/ready and liveness (and startup) on /health/live, at the port each process serves them', () => {
    for (const workload of workloads) {
      for (const container of workload.containers) {
        const config = loadConfig(environmentOf(container));
        const served = { api: config.port, matcher: config.opsPorts.matcher, notifier: config.opsPorts.notifier }[processOf(container) ?? 'api'];
        const where = `${workload.name}/${container.name}`;
        expect({ where, ...probePort(container, container.readinessProbe) }).toEqual({ where, path: '/health/ready', port: served });
        expect({ where, ...probePort(container, container.livenessProbe) }).toEqual({ where, path: '/health/live', port: served });
        // A startup probe holds liveness off while migrations run; on /health/ready it would kill a matcher building its index.
        if (container.startupProbe !== undefined)
          expect({ where, ...probePort(container, container.startupProbe) }).toEqual({ where, path: '/health/live', port: served });
      }
    }
  });

  it('runs one matcher StatefulSet per region of MATCHER_REGIONS, each owning its region', () => {
    const matchers = workloads.filter((workload) => workload.containers.some((container) => processOf(container) === 'matcher'));
    expect(matchers.filter((workload) => workload.kind !== 'StatefulSet').map((workload) => workload.name)).toEqual([]);
    const owned = matchers.map((workload) => {
      const env = environmentOf(workload.containers[0]);
      const regions = parseRegions(env.MATCHER_REGIONS ?? '');
      expect(regions).toContain(env.MATCHER_REGION);
      // The per-region label keeps the StatefulSets' selectors and disruption budgets apart.
      expect({ name: workload.name, label: workload.labels['huigong/region'] }).toEqual({ name: `matcher-${env.MATCHER_REGION}`, label: env.MATCHER_REGION });
      return { region: env.MATCHER_REGION, regions };
    });
    const regions = owned[0]?.regions ?? [];
    expect(new Set(regions).size).toBe(regions.length);
    expect(owned.map((entry) => entry.regions)).toEqual(owned.map(() => regions));
    expect(owned.map((entry) => entry.region).sort()).toEqual([...regions].sort());
  });

  it('scales the notifier Deployment with KEDA on the wait list of its deliveries queue in the Redis Cluster', () => {
    expect(scaledObjects).toHaveLength(1);
    const [scaled] = scaledObjects;
    const target = deployments.find((deployment) => deployment.metadata?.name === scaled.spec.scaleTargetRef.name);
    expect(scaled.spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
    const notifier = target?.spec?.template.spec?.containers[0];
    expect(notifier && processOf(notifier)).toBe('notifier');
    const env = environmentOf(notifier as IContainer);
    const prefix = env.QUEUE_PREFIX ?? '';
    const queue = QueueName.Deliveries;
    expect(scaled.spec.triggers).toHaveLength(1);
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('redis-cluster');
    // BullMQ's wait list is <prefix>:<queue>:wait, with the prefix the product gives the queue on a cluster.
    expect(trigger.metadata.listName).toBe(`${queuePrefix({ queuePrefix: prefix, redisClusterNodes: [] }, queue)}:${queue}:wait`);
    const nodes = (text: string | undefined): string[] => (text ?? '').split(',').map((node) => node.trim());
    expect(nodes(trigger.metadata.addresses)).toEqual(nodes(env.REDIS_CLUSTER_NODES));
    expect(nodes(env.REDIS_CLUSTER_NODES).every((node) => /^[a-z0-9.-]+:\d+$/.test(node))).toBe(true);
    const authentication = triggerAuthentications.find((candidate) => candidate.metadata?.name === trigger.authenticationRef?.name);
    expect(authentication?.spec.secretTargetRef?.map((reference) => reference.parameter)).toContain('password');
  });

  it('leaves the replicas of autoscaled Deployments to their autoscaler, and points every selector at pods that exist', () => {
    const scaledNames = [...autoscalers.map((hpa) => hpa.spec.scaleTargetRef), ...scaledObjects.map((scaled) => scaled.spec.scaleTargetRef)].map(
      (ref) => ref.name,
    );
    for (const name of scaledNames)
      expect({ name, replicas: workloads.find((workload) => workload.name === name)?.replicas }).toEqual({ name, replicas: undefined });
    for (const hpa of autoscalers) expect(deployments.map((deployment) => deployment.metadata?.name)).toContain(hpa.spec.scaleTargetRef.name);
    for (const budget of budgets) {
      const selected = workloads.filter((workload) => matchesSelector(budget.spec?.selector?.matchLabels, workload.labels));
      expect({ budget: budget.metadata?.name, selects: selected.length > 0 }).toEqual({ budget: budget.metadata?.name, selects: true });
    }
    for (const service of services) {
      const selected = workloads.filter((workload) => matchesSelector(service.spec?.selector, workload.labels));
      const ports = (service.spec?.ports ?? []).map((port) => port.targetPort ?? port.port);
      const served = ports.every((port) =>
        selected.some((workload) =>
          workload.containers.some((container) => (container.ports ?? []).some((own) => own.name === port || own.containerPort === port)),
        ),
      );
      expect({ service: service.metadata?.name, selects: selected.length > 0, served }).toEqual({
        service: service.metadata?.name,
        selects: true,
        served: true,
      });
    }
    for (const statefulSet of statefulSets) expect(services.map((service) => service.metadata?.name)).toContain(statefulSet.spec?.serviceName);
  });
});

describe('CONFIG_VARIABLES', () => {
  it('is every variable loadConfig reads, and only those', () => {
    const read = new Set<string>();
    const recording = (values: Record<string, string>): NodeJS.ProcessEnv =>
      new Proxy(values, {
        get(target, key) {
          if (typeof key === 'string') read.add(key);
          return typeof key === 'string' ? target[key] : undefined;
        },
      });
    loadConfig(recording({}));
    // Every variable set, so that the branches read only when another is set are taken too.
    expect(() => loadConfig(recording(Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, 'x']))))).toThrow();
    expect([...read].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
