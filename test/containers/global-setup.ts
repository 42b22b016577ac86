import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { docker, engineAnswers, IMAGE, reportFigures, ROOT, run } from './support/docker';

/**
 * Before the container scenarios: the base images (pulled, or their stand-ins built:
 * deploy/standins/build.sh) and the image built from the repository's Dockerfile, as an
 * operator builds it. Its build time, size and what takes the space are the suite's first
 * figures.
 */
export default async function globalSetup(): Promise<void> {
  if (!engineAnswers()) {
    throw new Error(
      'no Docker engine answers: start one (e.g. `dockerd --bridge=none --iptables=false &`, ' +
        'as .ci/run does) and run again',
    );
  }
  execFileSync(join(ROOT, 'deploy', 'standins', 'build.sh'), { cwd: ROOT, stdio: 'inherit' });

  const started = Date.now();
  // host networking for the build's own downloads (npm ci, apt-get): an engine without a
  // bridge has no other; the label lets the previous builds' images be pruned below
  const build = await run(
    'docker',
    ['build', '--network', 'host', '--label', 'paygate.test=containers', '-t', IMAGE, '.'],
    { timeoutMs: 20 * 60_000 },
  );
  const buildSeconds = Math.round((Date.now() - started) / 100) / 10;
  if (build.code !== 0) {
    throw new Error(`docker build failed (exit ${build.code}):\n${build.stdout}\n${build.stderr}`);
  }
  const steps = (build.stdout.match(/^Step \d+\/\d+ :/gm) ?? []).length;
  const cached = (build.stdout.match(/Using cache/g) ?? []).length;
  await docker('image', 'prune', '-f', '--filter', 'label=paygate.test=containers');

  const bytes = Number(await docker('image', 'inspect', '--format', '{{.Size}}', IMAGE));
  const baseBytes = Number(
    await docker('image', 'inspect', '--format', '{{.Size}}', 'debian:bookworm-slim'),
  );
  // what takes the space, in MB, measured inside the image
  const du = await docker(
    'run',
    '--rm',
    '--network',
    'none',
    IMAGE,
    'du',
    '-sk',
    '/usr/local/bin/node',
    '/app/node_modules',
    '/app/dist',
  );
  const parts = Object.fromEntries(
    du.split('\n').map((line) => {
      const [kb, path] = line.trim().split(/\s+/);
      return [path, Math.round(Number(kb) / 1024)];
    }),
  );
  reportFigures('image', {
    image: IMAGE,
    build_seconds: buildSeconds,
    build_steps_cached: `${cached}/${steps}`,
    size_mb: Math.round(bytes / 1e6),
    base_debian_bookworm_slim_mb: Math.round(baseBytes / 1e6),
    node_binary_mb: parts['/usr/local/bin/node'],
    node_modules_mb: parts['/app/node_modules'],
    dist_mb: parts['/app/dist'],
    base_is_stand_in:
      (await docker(
        'image',
        'inspect',
        '--format',
        '{{ with .Config.Labels }}{{ index . "paygate.standin" }}{{ end }}',
        'debian:bookworm-slim',
      )) !== '',
  });
}
