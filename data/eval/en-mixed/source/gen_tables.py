"""Fill the three appendix tables of report.html (run once; the filled HTML is committed).

Usage: python3 gen_tables.py report.html
Replaces the markers <!--APPENDIX_A-->, <!--APPENDIX_B-->, <!--APPENDIX_C--> with table rows.
Values are invented for the fictional Kestrel pilot; a fixed seed keeps them reproducible.
"""
import random
import sys

rng = random.Random(20251121)


def leaf_rows():
    rows = []
    for n in range(64):
        rail = n // 8
        util = round(rng.uniform(38.0, 61.0), 1)
        peak = rng.randrange(640, 1530, 8)
        trimmed = round(rng.uniform(0.4, 9.5), 2)
        replays = rng.randrange(150, 1000)
        ber_m = round(rng.uniform(1.1, 9.6), 1)
        ber = f"{ber_m} &times; 10<sup>&minus;6</sup>"
        if n == 23:  # faulty optic on port 57 (KST-108)
            replays, ber = 68_412, "3.1 &times; 10<sup>&minus;4</sup>"
        if n == 41:  # longest fibre run to S09
            ber = "2.2 &times; 10<sup>&minus;5</sup>"
        if rail == 7:  # CBFC trial leaves with burst-buffer nodes: RCCC keeps TC3 low
            trimmed = round(rng.uniform(0.1, 0.6), 2)
        if n == 30:  # deepest queue of the pilot (week-4 all-to-all)
            peak = 1_784
        rows.append(
            f"<tr><td>L{n:02d}</td><td class=\"num\">{rail}</td><td>9.2.1</td>"
            f"<td class=\"num\">{util} %</td><td class=\"num\">{peak:,}</td>"
            f"<td class=\"num\">{trimmed:.2f}</td><td class=\"num\">{replays:,}</td>"
            f"<td class=\"num\">{ber}</td></tr>"
        )
    return "\n".join(rows)


PARAMS = [
    ("pds.pdc_pool_size", "PDC contexts per NIC", "4096", "8192"),
    ("pds.max_inflight_pkts", "packets in flight per PDC", "512", "1024"),
    ("pds.rto_initial_us", "initial retransmission timeout (&micro;s)", "500", "256"),
    ("pds.rto_min_us", "minimum retransmission timeout (&micro;s)", "100", "64"),
    ("pds.rto_max_us", "maximum retransmission timeout (&micro;s)", "16000", "8000"),
    ("pds.max_retx", "retransmission attempts before error", "5", "7"),
    ("pds.ack_coalesce_pkts", "packets per coalesced ACK", "8", "16"),
    ("pds.ack_coalesce_us", "ACK coalescing timer (&micro;s)", "2", "4"),
    ("pds.pdc_idle_teardown_ms", "idle time before a PDC is closed (ms)", "1000", "500"),
    ("pds.payload_mtu", "UET payload MTU (bytes)", "4096", "4096"),
    ("pds.nack_on_trim", "send NACK on receipt of a trimmed packet", "true", "true"),
    ("pds.sack_bitmap_bits", "width of the selective-ACK bitmap", "128", "256"),
    ("ses.max_outstanding_ops", "SES operations outstanding per NIC", "2048", "4096"),
    ("ses.rendezvous_threshold_kib", "message size above which rendezvous is used (KiB)", "16", "64"),
    ("ses.max_msg_size_mib", "largest single message (MiB)", "1024", "1024"),
    ("cms.nscc.enable", "NSCC on reliable classes", "true", "true"),
    ("cms.nscc.target_qdelay_us", "target queuing delay (&micro;s)", "10", "6"),
    ("cms.nscc.ai_bytes", "additive increase per RTT (bytes)", "4096", "8192"),
    ("cms.nscc.md_max", "largest multiplicative decrease", "0.5", "0.5"),
    ("cms.nscc.init_window_bdp", "initial window (multiples of BDP)", "1.0", "1.0"),
    ("cms.nscc.max_window_bdp", "largest window (multiples of BDP)", "2.0", "1.5"),
    ("cms.nscc.fast_increase_rtts", "mark-free RTTs before fast increase", "16", "8"),
    ("cms.rccc.enable", "RCCC (TC3 only in the pilot)", "false", "true"),
    ("cms.rccc.initial_credit_kib", "initial credit per sender (KiB)", "32", "64"),
    ("cms.rccc.credit_refresh_us", "credit refresh interval (&micro;s)", "10", "5"),
    ("spray.ev_count", "entropy values per sprayed PDC", "64", "128"),
    ("spray.path_penalty_ms", "time an entropy value is avoided after loss (ms)", "10", "4"),
    ("spray.rod_single_ev", "ROD contexts keep a single entropy value", "true", "true"),
    ("llr.enable", "link-level retry", "true", "true"),
    ("llr.replay_buffer_kib", "replay buffer per port (KiB)", "256", "384"),
    ("llr.replay_timeout_us", "replay timeout (&micro;s)", "1.0", "2.0"),
    ("llr.max_consecutive_replays", "failed replays before link is degraded", "8", "4"),
    ("cbfc.enable", "credit-based flow control (rail 7 trial only, week 5)", "false", "false"),
    ("cbfc.credit_unit_bytes", "bytes per CBFC credit", "256", "256"),
    ("cbfc.tc3_buffer_kib", "TC3 buffer advertised per port (KiB)", "256", "512"),
    ("pfc.enable", "priority flow control", "false", "false"),
    ("tss.enable", "transport security (TC3, weeks 5&ndash;7)", "false", "true"),
    ("tss.cipher", "AEAD algorithm", "AES-256-GCM", "AES-256-GCM"),
    ("tss.key_rotation_h", "key rotation interval (hours)", "168", "24"),
    ("tss.max_secure_domains", "secure domains per NIC", "32", "64"),
    ("switch.ecn_kmin_kib", "ECN lower threshold (KiB)", "150", "200"),
    ("switch.ecn_kmax_kib", "ECN upper threshold (KiB)", "1500", "800"),
    ("switch.ecn_pmax_pct", "marking probability at Kmax (%)", "10", "20"),
    ("switch.trim_enable", "packet trimming on TC1 and TC3", "false", "true"),
    ("switch.trim_threshold_kib", "queue depth at which trimming starts (KiB)", "1024", "1536"),
    ("switch.trim_size_bytes", "length of a trimmed packet (bytes)", "64", "128"),
    ("switch.trim_tc", "class for trimmed packets", "7", "6"),
    ("switch.buffer_alpha", "dynamic buffer sharing factor", "1", "0.5"),
    ("switch.mtu", "Ethernet MTU (bytes)", "9216", "9216"),
    ("switch.hash_fields", "ECMP hash input", "5-tuple", "src IP, dst IP, UDP src port"),
    ("switch.telemetry_port", "gNMI streaming telemetry port", "9339", "9339"),
    ("link.fec", "forward error correction", "RS(544,514)", "RS(544,514)"),
    ("link.prefec_ber_alarm", "pre-FEC BER alarm threshold", "1e-4", "2.4e-4"),
    ("link.flap_holddown_s", "hold-down after a link flap (s)", "2", "5"),
    ("nic.udp_dst_port", "UDP destination port for UET", "4793", "4793"),
    ("nic.telemetry_export_port", "NIC agent metrics export port", "9464", "9464"),
    ("nic.telemetry_sample_ms", "NIC counter sampling interval (ms)", "1000", "250"),
    ("nic.interrupt_moderation_us", "completion interrupt moderation (&micro;s)", "8", "0"),
    ("kfm.jobid_min", "lowest JobID handed out", "1", "4096"),
    ("kfm.jobid_max", "highest JobID handed out", "65535", "61439"),
    ("kfm.heartbeat_ms", "agent heartbeat period (ms)", "500", "200"),
    ("kfm.degrade_events_to_drain", "degradation events before automatic drain", "5", "3"),
    ("kfm.degrade_window_min", "window for counting degradation events (min)", "30", "10"),
    ("kfm.flaps_to_drain", "link flaps in 10 min before automatic drain", "5", "3"),
    ("kfm.api_port", "fabric manager REST API port", "8443", "8443"),
]


def param_rows():
    out = []
    for key, meaning, dflt, val in PARAMS:
        out.append(
            f"<tr><td class=\"mono\">{key}</td><td>{meaning}</td>"
            f"<td class=\"num\">{dflt}</td><td class=\"num\">{val}</td></tr>"
        )
    return "\n".join(out)


# (run, date, workload, ranks, duration, result, notes); dates are 2025
RUNS_FIXED = {
    1: ("8 Sep", "burn-in traffic (kbench all-pairs)", "2,048", "72 h", "PASS", "three DAC cables reseated"),
    9: ("16 Sep", "kbench latency sweep", "2", "40 min", "PASS", "first run after parameter change of 16 Sep"),
    12: ("17 Sep", "64:1 incast, trimming on", "65", "30 min", "PASS", "peak trim rate 4.7 %"),
    13: ("17 Sep", "64:1 incast, trimming off", "65", "30 min", "PASS", "1,732 RTO events"),
    17: ("18 Sep", "64:1 incast, trimming on", "65", "30 min", "PASS", "repeat after TessOS 9.2.1 (KST-106)"),
    23: ("23 Sep", "AI Base vs AI Full, all-to-all", "1,024 + 1,024", "6 h", "PASS", "AI Base 35.0 GB/s, AI Full 38.2 GB/s"),
    29: ("30 Sep", "nccl-tests all-reduce", "2,048", "3 h", "PASS", "46.1 GB/s at 1 GiB"),
    31: ("1 Oct", "all-reduce, single-path ECMP", "2,048", "2 h", "PASS", "31.7 GB/s at 1 GiB"),
    33: ("2 Oct", "kbench, L23 port 57 after optic swap", "2", "1 h", "PASS", "replays back to normal"),
    36: ("7 Oct", "checkpoint incast, CBFC on rail 7", "256 + 16", "4 h", "PASS", "TC3 throughput -2.4 %"),
    38: ("8 Oct", "checkpoint read, TSS on", "256 + 16", "4 h", "PASS", "throughput -1.8 %"),
    41: ("13 Oct", "Heron-70B training soak", "2,048", "120 h", "PASS", "3 restarts, all accelerator ECC"),
    48: ("21 Oct", "Snapline: single uplink pull", "2,048", "5 h", "PASS", "40 trials, median 1.6 ms"),
    50: ("21 Oct", "Snapline: spine reboot", "2,048", "6 h", "PASS", "4 trials, 212 s each"),
    52: ("22 Oct", "Snapline: leaf power-off", "2,048", "3 h", "FAIL", "expected: 32 ranks lost, restart 7 min 05 s"),
    54: ("23 Oct", "Snapline: TSS key rotation under load", "256 + 16", "2 h", "FAIL", "40 ms TC3 stall per rotation (KST-111)"),
}
WORKLOADS = [
    ("kbench bandwidth sweep", "2", "1 h"),
    ("nccl-tests all-gather", "1,024", "2 h"),
    ("nccl-tests reduce-scatter", "2,048", "2 h"),
    ("nccl-tests all-to-all", "2,048", "3 h"),
    ("Heron-70B short run", "512", "8 h"),
    ("checkpoint write", "256 + 16", "1 h"),
    ("kbench latency sweep", "2", "40 min"),
]
DATES = ["8 Sep", "9 Sep", "10 Sep", "11 Sep", "12 Sep", "15 Sep", "16 Sep", "17 Sep", "18 Sep", "19 Sep",
         "22 Sep", "23 Sep", "24 Sep", "25 Sep", "26 Sep", "29 Sep", "30 Sep", "1 Oct", "2 Oct", "3 Oct",
         "6 Oct", "7 Oct", "8 Oct", "9 Oct", "10 Oct", "13 Oct", "20 Oct", "21 Oct",
         "22 Oct", "23 Oct", "24 Oct"]


def run_rows():
    out = []
    fixed = sorted(RUNS_FIXED)
    for r in range(1, 63):
        if r in RUNS_FIXED:
            date, wl, ranks, dur, res, notes = RUNS_FIXED[r]
        else:
            prev = max([f for f in fixed if f < r], default=None)
            nxt = min([f for f in fixed if f > r], default=None)
            i_p = DATES.index(RUNS_FIXED[prev][0]) if prev else 0
            i_n = DATES.index(RUNS_FIXED[nxt][0]) if nxt else len(DATES) - 1
            p0 = prev or 0
            n0 = nxt or 63
            if prev == 41:  # nothing else ran during the soak
                i_p = DATES.index("20 Oct")
            date = DATES[i_p + round((r - p0) / (n0 - p0) * (i_n - i_p))]
            wl, ranks, dur = rng.choice(WORKLOADS)
            res = "ABORT" if rng.random() < 0.06 else "PASS"
            notes = "nodes released for maintenance" if res == "ABORT" else "&mdash;"
        out.append(
            f"<tr><td>R-{r:03d}</td><td>{date}</td><td>{wl}</td><td class=\"num\">{ranks}</td>"
            f"<td>{dur}</td><td>{res}</td><td>{notes}</td></tr>"
        )
    return "\n".join(out)


def main(path):
    html = open(path, encoding="utf-8").read()
    html = html.replace("<!--APPENDIX_A-->", leaf_rows())
    html = html.replace("<!--APPENDIX_B-->", param_rows())
    html = html.replace("<!--APPENDIX_C-->", run_rows())
    open(path, "w", encoding="utf-8").write(html)


if __name__ == "__main__":
    main(sys.argv[1])
