//! A made-up year of WhatsApp chat between Sam (the writer) and Alex, at any size, for the
//! benchmarks and the resource tests. Deterministic: the same size and seed give the same bytes
//! on every machine. All text is our own.
//!
//! What it has, because real exports have it: the Android "Export chat" layout
//! (`28/11/2025, 02:14 - Sam: text`), the encryption notice and other system lines, many
//! messages a day (more at the weekend, a few past midnight), multi-line messages, emoji,
//! `<Media omitted>`, deleted messages, runs of several messages by the same person, the odd
//! long message, and now and then a message that trips a rule (begging, "we need to talk",
//! "u up?", shouting, over-apologising…). The timeline always covers one calendar year, so a
//! bigger export is a busier year, not a longer one.

#![allow(dead_code)] // each user (bench, example, test) takes what it needs

use std::fmt::Write as _;

/// The writer's name in the generated export (`--me Sam`).
pub const ME: &str = "Sam";
/// The other side.
pub const THEM: &str = "Alex";

/// A WhatsApp export of about `bytes` bytes (it ends at a message boundary, within one message of
/// the size asked for), generated from `seed`.
pub fn whatsapp_export(bytes: usize, seed: u64) -> String {
    let mut out = String::with_capacity(bytes + 1024);
    write_export(&mut out, bytes, seed);
    out
}

/// [`whatsapp_export`], appended to `out`.
pub fn write_export(out: &mut String, bytes: usize, seed: u64) {
    let start = out.len();
    let per_day = messages_per_day(bytes, seed);
    let mut rng = Rng::new(seed);
    let mut sender_is_me = rng.chance(50);
    let mut times = Vec::new();
    let mut day = 0;
    out.push_str("01/01/2025, 00:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n");
    'year: loop {
        // Into 2026 only if the size estimate was short (it has slack, so it is not).
        let date = civil_day(day);
        let weekend = (day + 3) % 7 >= 5; // 1 Jan 2025 was a Wednesday
        let base = if weekend { per_day * 5 / 4 } else { per_day };
        let n = (base / 2 + rng.below(base as u64 + 1) as usize).max(1);
        times.clear();
        times.extend((0..n).map(|_| minute_of_day(&mut rng)));
        times.sort_unstable();
        for &minute in &times {
            if out.len() - start >= bytes {
                break 'year;
            }
            // Mostly turn-taking, with runs by one person (double texts) now and then.
            if rng.chance(58) {
                sender_is_me = !sender_is_me;
            }
            let who = if sender_is_me { ME } else { THEM };
            let _ = write!(
                out,
                "{:02}/{:02}/{}, {:02}:{:02} - ",
                date.2,
                date.1,
                date.0,
                minute / 60,
                minute % 60
            );
            if rng.chance_in(1, 2000) {
                // A system line between messages: no author.
                let _ = writeln!(out, "{}", pick(&mut rng, SYSTEM_LINES));
                continue;
            }
            out.push_str(who);
            out.push_str(": ");
            message(out, &mut rng, sender_is_me, minute);
            out.push('\n');
        }
        day += 1;
    }
}

/// How many messages a day make `bytes` over one year: the mean message length is measured on
/// a sample drawn from the same generator.
fn messages_per_day(bytes: usize, seed: u64) -> usize {
    const SAMPLE: usize = 4000;
    let mut rng = Rng::new(seed ^ 0x5eed_5eed_5eed_5eed);
    let mut text = String::new();
    for i in 0..SAMPLE {
        text.push_str("01/01/2025, 08:03 - Alex: ");
        message(&mut text, &mut rng, i % 2 == 0, 600);
        text.push('\n');
    }
    let mean = text.len().div_ceil(SAMPLE);
    // Weekends are a quarter busier (a week is 7.5 weekdays' worth), and 10 % slack so the size
    // is reached before the year runs out.
    (bytes as f64 * 7.0 * 1.10 / (mean as f64 * 365.0 * 7.5)).max(1.0) as usize
}

/// A minute of the day: mostly daytime and evening, a few late at night.
fn minute_of_day(rng: &mut Rng) -> u32 {
    if rng.chance(6) {
        // 23:00–02:59
        (23 * 60 + rng.below(4 * 60) as u32) % (24 * 60)
    } else {
        7 * 60 + rng.below(16 * 60) as u32
    }
}

/// One message's text (its first line follows the author; more lines may follow).
fn message(out: &mut String, rng: &mut Rng, mine: bool, minute: u32) {
    let roll = rng.below(1000);
    match roll {
        0..=39 => out.push_str("<Media omitted>"),
        40..=47 => out.push_str("This message was deleted"),
        48..=59 => {
            // A long message: one or two paragraphs of everyday sentences.
            let paragraphs = 1 + rng.below(2);
            for p in 0..paragraphs {
                if p > 0 {
                    out.push_str("\n\n");
                }
                let sentences = 4 + rng.below(7);
                for s in 0..sentences {
                    if s > 0 {
                        out.push(' ');
                    }
                    out.push_str(pick(rng, SENTENCES));
                }
            }
        }
        60..=129 => {
            // Several lines, as typed with shift-enter.
            let lines = 2 + rng.below(3);
            for l in 0..lines {
                if l > 0 {
                    out.push('\n');
                }
                out.push_str(pick(rng, SHORT));
            }
        }
        130..=179 => {
            // Something that trips a rule, mostly from the writer; late at night, the late-night
            // kind.
            let late = !(7 * 60..23 * 60).contains(&minute);
            let pool = if late && rng.chance(50) {
                LATE_NIGHT
            } else {
                RISKY
            };
            if mine || rng.chance(30) {
                out.push_str(pick(rng, pool));
            } else {
                out.push_str(pick(rng, SHORT));
            }
        }
        180..=329 => {
            out.push_str(pick(rng, SHORT));
            out.push(' ');
            out.push_str(pick(rng, SHORT));
        }
        _ => out.push_str(pick(rng, SHORT)),
    }
    if rng.chance(18) {
        out.push(' ');
        out.push_str(pick(rng, EMOJI));
        if rng.chance(30) {
            out.push_str(pick(rng, EMOJI));
        }
    }
}

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// (year, month, day) of the `n`th day from 1 Jan 2025 (0-based; no leap years before 2028).
fn civil_day(n: usize) -> (u32, u32, u32) {
    const DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let year = 2025 + (n / 365) as u32;
    let mut left = n % 365;
    for (m, &len) in DAYS.iter().enumerate() {
        if left < len {
            return (year, m as u32 + 1, left as u32 + 1);
        }
        left -= len;
    }
    (year, 12, 31)
}

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 0..n (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// True `k` times in `n`.
    fn chance_in(&mut self, k: u64, n: u64) -> bool {
        self.below(n) < k
    }
}

const SYSTEM_LINES: &[&str] = &[
    "Alex changed their phone number to a new number. Tap to message or add the new number.",
    "Your security code with Alex changed. Tap to learn more.",
    "Missed voice call",
];

const EMOJI: &[&str] = &[
    "😂",
    "😅",
    "🙂",
    "😊",
    "😍",
    "🥺",
    "😭",
    "🙄",
    "👍",
    "👀",
    "❤️",
    "🔥",
    "🎉",
    "🐶",
    "☕",
    "🍕",
    "🚲",
    "🌧️",
    "👋🏽",
    "🤷‍♀️",
];

/// Everyday messages, as people type them: lowercase, text-speak, no full stops.
const SHORT: &[&str] = &[
    "ok",
    "okay!",
    "lol",
    "haha yes",
    "hahaha no way",
    "omw",
    "on my way, 10 min",
    "running late sorry",
    "did you feed the cat?",
    "can you grab milk on the way home",
    "we're out of coffee again",
    "what time is dinner",
    "7 works",
    "sounds good",
    "sure",
    "np",
    "thx!!",
    "thank you",
    "love that",
    "send me the link",
    "where are the car keys",
    "in the blue bowl by the door",
    "the plumber comes tomorrow between 8 and 12",
    "did you book the train tickets",
    "yes, seats 41 and 42",
    "my mum says hi",
    "tell her hi back",
    "are we still on for saturday?",
    "yep",
    "nope, working late",
    "i'll call you at lunch",
    "can't talk, in a meeting",
    "look at this dog",
    "he's so fluffy",
    "the heating is broken again",
    "i'll message the landlord",
    "what do you want for your birthday",
    "surprise me",
    "just landed",
    "gate changed to B12",
    "how was the dentist",
    "fine, no fillings",
    "movie tonight?",
    "only if it's not a horror one",
    "pizza or thai",
    "thai obviously",
    "the recycling goes out on tuesday",
    "i left your jacket at jo's",
    "can you pick up the parcel from the post office",
    "it's raining so hard",
    "take an umbrella",
    "good morning ☀️",
    "night night",
    "sleep well",
    "miss you already",
    "see you soon",
    "i'm at the supermarket, need anything?",
    "eggs and bread pls",
    "brb",
    "idk, maybe",
    "ugh mondays",
    "we should go hiking this weekend",
    "rent is due on the 1st",
    "paid it",
    "the wifi password is on the fridge",
    "call me when you can",
    "ur the best",
    "btw the car needs a service",
];

/// Sentences for the occasional long message.
const SENTENCES: &[&str] = &[
    "Work was a lot today and the train was late again.",
    "I finally finished the book you lent me and the ending made me cry on the bus.",
    "My sister wants to visit in March, is that okay with you?",
    "We should sort out the spare room before she comes.",
    "The landlord said the new windows are coming next month.",
    "I think we need a new kettle, the old one sounds like a jet engine.",
    "Jo and Misaki asked if we want to come to the lake in June.",
    "I said probably but that I'd check with you first.",
    "The vet says the cat is fine, just a bit fat.",
    "Honestly I'm so tired, I might sleep for a week.",
    "Also the bakery on the corner is closing, which is tragic.",
    "Let me know what you think when you have a minute.",
];

/// Messages a linter should flag.
const RISKY: &[&str] = &[
    "we need to talk",
    "pls just come back, i cant do this w/o u",
    "you always do this. you never listen",
    "WHY ARE YOU IGNORING ME!!!",
    "sorry. sorry sorry, i'm so sorry, really sorry",
    "i saw your story at the lake, who was that?",
    "just checking in",
    "i've changed, i promise i will be better",
    "if you don't answer by friday we're done",
    "do you even still love me? are you seeing someone? why won't you answer? what did i do?",
    "after everything i did for you",
    "i'm such an idiot, i ruin everything",
    "why did you block my sister",
    "give me one more chance, please",
];

/// Late-night pings.
const LATE_NIGHT: &[&str] = &[
    "u up?",
    "wyd",
    "are you awake",
    "cant sleep, thinking about u",
];
