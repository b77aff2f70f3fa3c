//! `keyway bench`: the scheduler's workload sweep. Prints a table and writes JSON.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use keyway_scheduler::{BlockOptions, Priority, build_graph, execute_block};
use serde_json::json;

use crate::machine::CoreCheck;
use crate::suite::{ENV as SUITE_ENV, Suite, SuiteOptions};
use crate::workload::{ENV, Pattern, Workload};

/// Options of `keyway bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Block sizes to sweep.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000, 10_000, 100_000])]
    pub sizes: Vec<usize>,
    /// Accounts of the uniform, Zipf and mix patterns.
    #[arg(long, default_value_t = 10_000)]
    pub accounts: usize,
    /// Parallel worker threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Users of the realistic contract-suite workload (0 leaves it out).
    #[arg(long, default_value_t = 1_000)]
    pub suite_users: usize,
    /// Runs per measurement of a 10k-transaction block (scaled to the block size, at least
    /// 5), interleaved across the configurations compared: times are medians, speedups the
    /// median of each round's ratio.
    #[arg(long, default_value_t = 7)]
    pub repeat: usize,
    /// Where to write the results as JSON.
    #[arg(long, default_value = "target/keyway-bench.json")]
    pub json: std::path::PathBuf,
}

/// One configuration's run times, in round order.
struct Samples {
    times: Vec<Duration>,
    /// Per round: whether the machine ran at full strength just before and just after
    /// this configuration's run (all `true` when unchecked).
    full_strength: Vec<bool>,
}

/// The median of `values`, `None` when there are fewer than `at_least`.
fn median_of<T: Copy>(
    mut values: Vec<T>,
    at_least: usize,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Option<T> {
    if values.len() < at_least.max(1) {
        return None;
    }
    values.sort_unstable_by(order);
    Some(values[values.len() / 2])
}

/// Fewer rounds at full strength than this and their medians are not reported.
const FULL_STRENGTH_ROUNDS: usize = 3;

impl Samples {
    fn median(&self) -> Duration {
        median_of(self.times.clone(), 1, Ord::cmp).expect("ran at least once")
    }

    /// The median over the runs the machine ran at full strength.
    fn median_at_full_strength(&self) -> Option<Duration> {
        let times = (0..self.times.len())
            .filter(|&k| self.full_strength[k])
            .map(|k| self.times[k])
            .collect();
        median_of(times, FULL_STRENGTH_ROUNDS, Ord::cmp)
    }

    /// Rounds in which both this configuration and `other` ran at full strength.
    fn both_at_full_strength<'s>(&'s self, other: &'s Samples) -> impl Iterator<Item = usize> + 's {
        (0..self.times.len()).filter(|&k| self.full_strength[k] && other.full_strength[k])
    }

    /// The fastest run: the one this shared machine disturbed least (interference only
    /// ever adds time).
    fn best(&self) -> Duration {
        self.times.iter().copied().min().expect("ran at least once")
    }

    /// The ratio of the two runs of round `k`, which ran back to back and so on an equally
    /// busy machine.
    fn ratio(&self, faster: &Samples, k: usize) -> f64 {
        self.times[k].as_secs_f64() / faster.times[k].as_secs_f64()
    }

    /// How many times faster `faster` ran: the median over rounds of each round's ratio.
    fn speedup(&self, faster: &Samples) -> f64 {
        let ratios = (0..self.times.len())
            .map(|k| self.ratio(faster, k))
            .collect();
        median_of(ratios, 1, f64::total_cmp).expect("ran at least once")
    }

    /// [`Samples::speedup`] over the rounds in which both ran at full strength.
    fn speedup_at_full_strength(&self, faster: &Samples) -> Option<f64> {
        let ratios = self
            .both_at_full_strength(faster)
            .map(|k| self.ratio(faster, k))
            .collect();
        median_of(ratios, FULL_STRENGTH_ROUNDS, f64::total_cmp)
    }
}

/// Runs each of `configs` `repeat` times, interleaved (a, b, c, b, c, a, c, a, b, ...):
/// a slow spell of this shared machine hits them all alike, and the rotation spares each
/// one a fixed place after another. Untimed rounds come first, for at least 200 ms: the
/// first blocks on a worker thread's engine shard compile the contract there and fault in
/// its instance slots, and this machine's second vCPU takes a while to run at speed after
/// a quiet spell (a 1k-transaction block ran at half speed for its first few rounds).
/// With a `check`, the machine's strength is read before the first run and after each
/// (outside the timings): a run was at full strength when the readings on both sides of
/// it say so; rounds go on past `repeat` until enough ran at full strength.
fn interleaved<T>(
    repeat: usize,
    configs: &[&dyn Fn() -> anyhow::Result<T>],
    mut check: Option<&mut CoreCheck>,
) -> anyhow::Result<Vec<Samples>> {
    let warming = Instant::now();
    while warming.elapsed() < Duration::from_millis(200) {
        for config in configs {
            config()?;
        }
    }
    let count = configs.len();
    let mut samples: Vec<Samples> = (0..count)
        .map(|_| Samples {
            times: Vec::new(),
            full_strength: Vec::new(),
        })
        .collect();
    let checked = check.is_some();
    let mut at_full_strength = || {
        check.as_deref_mut().is_none_or(|check| {
            let reading = check.read();
            check.at_full_strength(reading)
        })
    };
    let mut strong_before = at_full_strength();
    let repeat = repeat.max(1);
    let mut round = 0;
    // With a check, rounds go on (up to `MORE_ROUNDS_AT_MOST` times as many) until half
    // of them, and at least `FULL_STRENGTH_ROUNDS`, ran every configuration at full
    // strength: a slow spell of this machine lasts seconds, longer than a row's rounds.
    let enough = |samples: &[Samples], round: usize| {
        round >= repeat
            && (!checked
                || round >= MORE_ROUNDS_AT_MOST * repeat
                || (0..round)
                    .filter(|&k| samples.iter().all(|s| s.full_strength[k]))
                    .count()
                    >= FULL_STRENGTH_ROUNDS.max(repeat / 2))
    };
    while !enough(&samples, round) {
        for config in (0..count).map(|k| (round + k) % count) {
            let started = Instant::now();
            let result = configs[config]()?;
            let took = started.elapsed();
            // Freed here, after the timing: the next run starts as a node's next block
            // does, with the last one's outcome handed off and its memory free. Runs
            // made while the earlier outcomes were still held allocated colder memory: a
            // 10k uniform block ran 15% slower at 1 thread.
            drop(result);
            let strong_after = at_full_strength();
            samples[config].times.push(took);
            samples[config]
                .full_strength
                .push(strong_before && strong_after);
            strong_before = strong_after;
        }
        round += 1;
    }
    Ok(samples)
}

/// How many times the planned rounds a checked measurement may run to find enough at full
/// strength.
const MORE_ROUNDS_AT_MOST: usize = 3;

/// Two configurations, interleaved under `check`.
fn pair<T>(
    repeat: usize,
    a: &dyn Fn() -> anyhow::Result<T>,
    b: &dyn Fn() -> anyhow::Result<T>,
    check: &mut CoreCheck,
) -> anyhow::Result<(Samples, Samples)> {
    let mut samples = interleaved(repeat, &[a, b], Some(check))?.into_iter();
    Ok((samples.next().expect("a"), samples.next().expect("b")))
}

/// `1.85x`, or `-` for a speedup not measured.
fn times(speedup: Option<f64>) -> String {
    speedup.map_or("-".into(), |s| format!("{s:.2}x"))
}

/// Runs the sweep.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    ensure!(args.threads >= 2, "--threads must be at least 2");
    ensure!(
        !args.sizes.is_empty() && args.sizes.iter().all(|&size| size > 0),
        "--sizes must list block sizes of at least 1 transaction"
    );
    let mut workload = Workload::new(args.accounts)?;
    // Every block size runs against the same state, big enough for the largest disjoint
    // block and for ten 10k ones over separate accounts: time per transaction then
    // compares block sizes, not state sizes.
    let funded = 2 * args.sizes.iter().copied().max().unwrap_or(0).max(100_000);
    eprintln!("funding {funded} accounts...");
    workload.ensure_accounts(funded);
    let mut rows = Vec::new();
    let t = args.threads;
    println!(
        "execution only (signatures verified before the block); {t} threads vs the sequential executor"
    );
    println!(
        "graph: built on one thread, as in the block, where it overlaps the first transactions \
         running in order; graph%: its share of the {t} threads' time in the block"
    );
    println!(
        "full: rounds whose runs the machine gave at full strength: just before and just after \
         each, a fixed compute kernel ran on the {t} threads at once at 90% of its speed alone \
         and alone within 15% of its fastest, and a cache line's round trip between the \
         threads took at most twice its fastest (a shared VM's host moves its vCPUs); rounds \
         go on, up to 3 times as many, until half and at least 3 were at full strength"
    );
    println!(
        "{:<12} {:>7} {:>10} {:>10} {:>8} {:>7} {:>7} {:>9} {:>9} {:>8} {:>7} | {:>7} {:>8} {:>7} {:>9} {:>9}",
        "pattern",
        "txs",
        "tx/s 1t",
        format!("tx/s {t}t"),
        "speedup",
        "fifo",
        "bound",
        "µs/tx 1t",
        "µs/tx",
        "graph",
        "graph%",
        "full:",
        "speedup",
        "fifo",
        "µs/tx 1t",
        "µs/tx",
    );
    // `blocks`: one block, or several of one size and shape, run in turn so that each run
    // finds its state as a node's next block does.
    let measure = |name: &str,
                   runtime: &keyway_runtime::Runtime,
                   state: &keyway_runtime::InMemoryState,
                   env: &keyway_host_api::BlockEnv,
                   blocks: &[Vec<keyway_host_api::SignedTransaction>],
                   check: &mut CoreCheck,
                   rows: &mut Vec<serde_json::Value>|
     -> anyhow::Result<()> {
        let block = &blocks[0];
        let size = block.len();
        // As many transactions per measurement at every size: a 1k block runs in a few
        // milliseconds, and eleven of those made medians that one slow spell of this
        // shared machine could move by a tenth. At least 5, so that 3 at full strength
        // (enough for their median) need not be all of them.
        let repeat = (args.repeat * 10_000 / size).max(5);
        let graph_runs = interleaved(repeat, &[&|| Ok(build_graph(block, 1))], None)?
            .pop()
            .expect("one configuration");
        let (graph_time, stats) = (graph_runs.median(), build_graph(block, 1).stats());
        let options = |threads: usize, priority: Priority| {
            let mut options = BlockOptions::with_threads(threads);
            options.priority = priority;
            options.signatures_verified = true;
            options
        };
        let runs = std::cell::Cell::new(0usize);
        let execute = |threads: usize, priority: Priority| {
            let (options, runs) = (options(threads, priority), &runs);
            move || {
                let next = &blocks[runs.replace(runs.get() + 1) % blocks.len()];
                execute_block(runtime, state, env, next, &options).context("executing the block")
            }
        };
        let mut results = interleaved(
            repeat,
            &[
                &execute(1, Priority::CriticalPath),
                &execute(t, Priority::CriticalPath),
                &execute(t, Priority::Fifo),
            ],
            Some(check),
        )?
        .into_iter();
        let sequential = results.next().expect("sequential");
        let critical_path = results.next().expect("critical path");
        let fifo = results.next().expect("fifo");
        let check = |threads| {
            execute_block(
                runtime,
                state,
                env,
                block,
                &options(threads, Priority::CriticalPath),
            )
            .context("executing the block")
        };
        let (reference, parallel) = (check(1)?, check(t)?);
        ensure!(
            reference.receipts == parallel.receipts && reference.state_diff == parallel.state_diff,
            "{name} {size}: parallel disagrees with sequential"
        );
        let (seq, par) = (sequential.median(), critical_path.median());
        let n = size as f64;
        let per_tx = |time: Duration| time.as_secs_f64() * 1e6 / n;
        let per_tx_or_dash =
            |time: Option<Duration>| time.map_or("-".into(), |time| format!("{:.2}", per_tx(time)));
        let bound = (t as f64).min(stats.parallelism());
        let speedup = sequential.speedup(&critical_path);
        let best_speedup = sequential.best().as_secs_f64() / critical_path.best().as_secs_f64();
        let fifo_speedup = sequential.speedup(&fifo);
        let full_rounds = sequential.both_at_full_strength(&critical_path).count();
        let full_speedup = sequential.speedup_at_full_strength(&critical_path);
        let full_fifo = sequential.speedup_at_full_strength(&fifo);
        let (full_seq, full_par) = (
            sequential.median_at_full_strength(),
            critical_path.median_at_full_strength(),
        );
        let graph_ns = graph_time.as_nanos() as f64 / n;
        let graph_share = 100.0 * graph_time.as_secs_f64() / (t as f64 * par.as_secs_f64());
        println!(
            "{:<12} {:>7} {:>10.0} {:>10.0} {:>7.2}x {:>6.2}x {:>6.2}x {:>9.2} {:>9.2} {:>6.0}ns {:>6.1}% | {:>7} {:>8} {:>7} {:>9} {:>9}",
            name,
            size,
            n / seq.as_secs_f64(),
            n / par.as_secs_f64(),
            speedup,
            fifo_speedup,
            bound,
            per_tx(seq),
            per_tx(par),
            graph_ns,
            graph_share,
            format!("{full_rounds}/{}", sequential.times.len()),
            times(full_speedup),
            times(full_fifo),
            per_tx_or_dash(full_seq),
            per_tx_or_dash(full_par),
        );
        rows.push(json!({
            "pattern": name,
            "transactions": size,
            "threads": t,
            "tx_per_s_1_thread": n / seq.as_secs_f64(),
            "tx_per_s_parallel": n / par.as_secs_f64(),
            "speedup_critical_path": speedup,
            "speedup_critical_path_best_runs": best_speedup,
            "speedup_fifo": fifo_speedup,
            "work_span_bound": stats.parallelism(),
            "bound_at_threads": bound,
            "us_per_tx_1_thread": per_tx(seq),
            "us_per_tx_parallel": per_tx(par),
            "rounds": sequential.times.len(),
            "rounds_at_full_strength": full_rounds,
            "full_strength_speedup_critical_path": full_speedup,
            "full_strength_speedup_fifo": full_fifo,
            "full_strength_us_per_tx_1_thread": full_seq.map(per_tx),
            "full_strength_us_per_tx_parallel": full_par.map(per_tx),
            "graph_build_ns_per_tx": graph_ns,
            "graph_build_share_of_worker_time_percent": graph_share,
            "edges": stats.edges,
            "components": stats.components,
        }));
        Ok(())
    };
    let mut check = CoreCheck::new(t);
    check.calibrate(50);
    for &size in &args.sizes {
        for pattern in Pattern::BENCHMARKED {
            workload.reset_nonces();
            eprintln!("signing {size} {} transfers...", pattern.name());
            // Each run takes the next of several blocks, so that it finds its state as a
            // node's next block does, not left warm in the caches by its own last run
            // (which favoured small blocks: a 1k uniform block ran 1-6% faster at 1
            // thread run again than in turn with 15 others).
            let blocks = if pattern == Pattern::Disjoint {
                // Up to 64 blocks over separate accounts.
                workload.disjoint_blocks(size, 64, t)
            } else {
                // These draw from one pool of accounts, so blocks overlap; different
                // draws (up to 16 blocks, at most 100k transactions in all) still spread
                // over the pool.
                let count = (100_000 / size).clamp(1, 16) as u64;
                (0..count)
                    .map(|b| {
                        workload.reset_nonces();
                        workload.block(pattern, size, 42 + b, t)
                    })
                    .collect()
            };
            measure(
                &pattern.name(),
                &workload.runtime,
                &workload.state,
                &ENV,
                &blocks,
                &mut check,
                &mut rows,
            )?;
        }
        if args.suite_users > 0 {
            // A fresh setup per size: the generator's model must match the state.
            eprintln!(
                "setting up the contract suite for {} users...",
                args.suite_users
            );
            let mut suite = Suite::new(SuiteOptions {
                users: args.suite_users,
                ..SuiteOptions::default()
            })?;
            eprintln!("signing {size} suite transactions...");
            let block = suite.block(size, t);
            measure(
                "suite",
                &suite.runtime,
                &suite.state,
                &SUITE_ENV,
                &[block],
                &mut check,
                &mut rows,
            )?;
        }
    }

    // The signature stage on its own: verified inside the block, in parallel.
    let size = args
        .sizes
        .iter()
        .copied()
        .filter(|&s| s <= 10_000)
        .max()
        .unwrap_or(1_000);
    workload.reset_nonces();
    let block = workload.block(Pattern::Disjoint, size, 7, t);
    let (workload, block) = (&workload, &block);
    let verify = |threads| {
        move || {
            execute_block(
                &workload.runtime,
                &workload.state,
                &ENV,
                block,
                &BlockOptions::with_threads(threads),
            )
            .context("executing the block")
        }
    };
    let (one, many) = pair(args.repeat.min(3), &verify(1), &verify(t), &mut check)?;
    let signed_speedup = one.speedup(&many);
    let (one, many) = (one.median(), many.median());
    println!(
        "with signature checks in the block ({size} disjoint): {:.0} tx/s at 1 thread, {:.0} tx/s at {t} ({signed_speedup:.2}x)",
        size as f64 / one.as_secs_f64(),
        size as f64 / many.as_secs_f64(),
    );
    // The ceiling this machine gives right now: the same transactions through the runtime
    // alone (no graph, no overlay, no state diff), split over the threads.
    let verified: Vec<_> = block
        .iter()
        .map(keyway_runtime::crypto::already_verified)
        .collect();
    // Each thread's µs per transaction, per run: how unevenly the vCPUs ran.
    let thread_speeds = std::cell::RefCell::new(Vec::new());
    let runtime_alone = |threads: usize| {
        let (verified, thread_speeds) = (&verified, &thread_speeds);
        move || {
            let chunk = verified.len().div_ceil(threads);
            let per_thread = std::thread::scope(|scope| {
                let handles: Vec<_> = verified
                    .chunks(chunk)
                    .map(|part| {
                        scope.spawn(move || {
                            let started = Instant::now();
                            for tx in part {
                                workload
                                    .runtime
                                    .execute_verified(&workload.state, &ENV, tx)?;
                            }
                            anyhow::Ok(started.elapsed().as_secs_f64() * 1e6 / part.len() as f64)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("runtime thread"))
                    .collect::<anyhow::Result<Vec<f64>>>()
            })?;
            if threads > 1 {
                thread_speeds.borrow_mut().push(per_thread);
            }
            anyhow::Ok(())
        }
    };
    let (alone_one, alone_many) = pair(
        args.repeat,
        &runtime_alone(1),
        &runtime_alone(t),
        &mut check,
    )?;
    let alone_speedup = alone_one.speedup(&alone_many);
    let alone_full = alone_one.speedup_at_full_strength(&alone_many);
    let timed_runs = alone_many.times.len();
    let (alone_one, alone_many) = (alone_one.median(), alone_many.median());
    // The timed runs come last, after the warm-up's (and may be more than `--repeat`: the
    // check adds rounds until enough ran at full strength).
    let mut uneven: Vec<(f64, Vec<f64>)> = thread_speeds
        .take()
        .into_iter()
        .rev()
        .take(timed_runs)
        .map(|speeds| {
            let slowest = speeds.iter().copied().fold(f64::MIN, f64::max);
            let fastest = speeds.iter().copied().fold(f64::MAX, f64::min);
            (slowest / fastest, speeds)
        })
        .collect();
    uneven.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let (median_uneven, median_speeds) = &uneven[uneven.len() / 2];
    let (worst_uneven, worst_speeds) = uneven.last().expect("ran at least once");
    let speeds = |speeds: &[f64]| {
        speeds
            .iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    println!(
        "runtime alone, no scheduler ({size} disjoint, signatures verified): {:.2} µs/tx at 1 thread, {:.2} at {t} ({alone_speedup:.2}x; {} at full strength): this machine's ceiling now",
        alone_one.as_secs_f64() * 1e6 / size as f64,
        alone_many.as_secs_f64() * 1e6 / size as f64,
        times(alone_full),
    );
    println!(
        "  its {t} threads ran the same work at {} µs/tx in the median run ({median_uneven:.2}x apart), {} in the most uneven ({worst_uneven:.2}x)",
        speeds(median_speeds),
        speeds(worst_speeds),
    );
    let row = |pattern: &str, one: Duration, many: Duration, speedup: f64| {
        json!({
            "pattern": pattern,
            "transactions": size,
            "threads": t,
            "tx_per_s_1_thread": size as f64 / one.as_secs_f64(),
            "tx_per_s_parallel": size as f64 / many.as_secs_f64(),
            "speedup_critical_path": speedup,
        })
    };
    rows.push(row("runtime-alone", alone_one, alone_many, alone_speedup));
    rows.push(row("disjoint+signatures", one, many, signed_speedup));
    if let Some(dir) = args.json.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&rows)?)
        .with_context(|| format!("writing {}", args.json.display()))?;
    eprintln!("wrote {}", args.json.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(millis: &[u64], full_strength: &[bool]) -> Samples {
        Samples {
            times: millis.iter().map(|&ms| Duration::from_millis(ms)).collect(),
            full_strength: full_strength.to_vec(),
        }
    }

    #[test]
    fn full_strength_speedups_take_only_rounds_both_runs_had_it() {
        let one = samples(&[100, 100, 100, 100, 100], &[true, true, true, false, true]);
        let two = samples(&[50, 40, 52, 40, 55], &[true, false, true, true, true]);
        // All rounds: ratios 2.0, 2.5, 1.92, 2.5, 1.82.
        assert!((one.speedup(&two) - 2.0).abs() < 1e-9);
        // Rounds 0, 2 and 4: 2.0, 1.92, 1.82 (with either side's flags alone, 2.0).
        assert_eq!(
            one.both_at_full_strength(&two).collect::<Vec<_>>(),
            [0, 2, 4]
        );
        let full = one.speedup_at_full_strength(&two).expect("three rounds");
        assert!((full - 100.0 / 52.0).abs() < 1e-9);
        // Its own runs 0, 2, 3 and 4: 50, 52, 40, 55.
        assert_eq!(
            two.median_at_full_strength(),
            Some(Duration::from_millis(52))
        );
    }

    #[test]
    fn too_few_rounds_at_full_strength_give_no_figure() {
        let one = samples(&[100, 100, 100], &[true, true, false]);
        let two = samples(&[50, 50, 50], &[true, true, true]);
        assert_eq!(one.speedup_at_full_strength(&two), None);
        assert_eq!(one.median_at_full_strength(), None);
        assert_eq!(
            two.median_at_full_strength(),
            Some(Duration::from_millis(50))
        );
    }

    #[test]
    fn checked_rounds_go_on_until_enough_pass_the_check() {
        let runs = std::cell::Cell::new(0);
        let run = || {
            runs.set(runs.get() + 1);
            anyhow::Ok(())
        };
        let unchecked = interleaved(3, &[&run, &run], None).unwrap();
        assert!(
            unchecked
                .iter()
                .all(|s| s.times.len() == 3 && s.full_strength == [true; 3])
        );
        let mut check = CoreCheck::new(1);
        let checked = interleaved(4, &[&run, &run], Some(&mut check)).unwrap();
        // One thread always has its core: whether a run passes depends only on the
        // one-thread kernel time. Rounds go on until 3 passed, or 12 ran.
        let rounds = checked[0].times.len();
        assert!((4..=12).contains(&rounds), "{rounds} rounds");
        assert!(
            checked
                .iter()
                .all(|s| s.times.len() == rounds && s.full_strength.len() == rounds)
        );
        let passed = (0..rounds)
            .filter(|&k| checked.iter().all(|s| s.full_strength[k]))
            .count();
        assert!(passed >= 3 || rounds == 12, "{passed} of {rounds} passed");
    }
}
